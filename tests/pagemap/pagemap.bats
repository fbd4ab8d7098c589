#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# One @test per C program of this area: @test "prog" { pmc_run_program pagemap/prog; }
# Area helpers append their lines here.

load ../../helpers/bats/common

@test "pagemap_anon" { pmc_run_program pagemap/pagemap_anon; }
@test "pagemap_file" { pmc_run_program pagemap/pagemap_file; }
@test "pagemap_thp" { pmc_run_program pagemap/pagemap_thp; }
@test "pagemap_fork" { pmc_run_program pagemap/pagemap_fork; }
@test "pagemap_markers" { pmc_run_program pagemap/pagemap_markers; }
@test "pagemap_lifecycle" { pmc_run_program pagemap/pagemap_lifecycle; }
@test "pagemap_mlock" { pmc_run_program pagemap/pagemap_mlock; }
@test "pagemap_rules" { pmc_run_program pagemap/pagemap_rules; }
@test "pagemap_swap" { pmc_run_program pagemap/pagemap_swap; }
@test "pagemap_ksm" { pmc_run_program pagemap/pagemap_ksm; }
@test "pagemap_hugetlb" { pmc_run_program pagemap/pagemap_hugetlb; }
@test "pagemap_edges" { pmc_run_program pagemap/pagemap_edges; }
@test "pagemap_nonpresent" { pmc_run_program pagemap/pagemap_nonpresent; }
@test "pagemap_soft_dirty_huge" { pmc_run_program pagemap/pagemap_soft_dirty_huge; }
