#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# One @test per C program of this area: @test "prog" { pmc_run_program kpageflags/prog; }
# Area helpers append their lines here.

load ../../helpers/bats/common

@test "kpf_user" { pmc_run_program kpageflags/kpf_user; }
@test "kpf_ksm" { pmc_run_program kpageflags/kpf_ksm; }
@test "kpf_lifecycle" { pmc_run_program kpageflags/kpf_lifecycle; }
@test "kpf_swap" { pmc_run_program kpageflags/kpf_swap; }
@test "kpf_compound" { pmc_run_program kpageflags/kpf_compound; }
@test "kpf_typed" { pmc_run_program kpageflags/kpf_typed; }
@test "kpage_count" { pmc_run_program kpageflags/kpage_count; }
@test "kpage_efault" { pmc_run_program kpageflags/kpage_efault; }
@test "kpage_offline" { pmc_run_program kpageflags/kpage_offline; }
