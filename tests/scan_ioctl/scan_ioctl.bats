#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# One @test per C program of this area: @test "prog" { pmc_run_program scan_ioctl/prog; }
# Area helpers append their lines here.

load ../../helpers/bats/common

@test "scan_args" { pmc_run_program scan_ioctl/scan_args; }
@test "scan_categories" { pmc_run_program scan_ioctl/scan_categories; }
@test "scan_masks" { pmc_run_program scan_ioctl/scan_masks; }
@test "scan_output" { pmc_run_program scan_ioctl/scan_output; }
@test "scan_dirty" { pmc_run_program scan_ioctl/scan_dirty; }
@test "scan_fixes" { pmc_run_program scan_ioctl/scan_fixes; }
@test "scan_wp_paths" { pmc_run_program scan_ioctl/scan_wp_paths; }
@test "scan_edges" { pmc_run_program scan_ioctl/scan_edges; }
