// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the kernel config lookup (helpers/env/probe.c): a plain and a
 * gzip config file give 'y' / 'm' / 'n' ("is not set" or absent; a prefix
 * of another option does not match); a missing file gives 0; KCONFIG_PATH
 * wins over /proc/config.gz and /boot.
 */
#include <stdlib.h>
#include <unistd.h>

#include "pmc_test.h"

#define CONFIG_TEXT \
	"# comment\n" \
	"CONFIG_PMC_Y=y\n" \
	"CONFIG_PMC_M=m\n" \
	"# CONFIG_PMC_N is not set\n" \
	"CONFIG_PMC_LONGER=y\n"

static char dir[] = "/tmp/pmc-unit-kconfig-XXXXXX";
static char plain_cfg[512], gz_cfg[512];

static void cleanup(void)
{
	unlink(gz_cfg);
	unlink(plain_cfg);
	rmdir(dir);
}

static void __attribute__((constructor)) make_configs(void)
{
	char cmd[1200];
	FILE *f;

	if (!mkdtemp(dir))
		abort();
	atexit(cleanup);
	snprintf(plain_cfg, sizeof(plain_cfg), "%s/config", dir);
	snprintf(gz_cfg, sizeof(gz_cfg), "%s/config.gz", dir);
	f = fopen(plain_cfg, "w");
	if (!f)
		abort();
	fputs(CONFIG_TEXT, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "gzip -c '%s' > '%s'", plain_cfg, gz_cfg);
	if (system(cmd))
		abort();
}

static void check(struct __test_metadata *_metadata, const char *path)
{
	EXPECT_EQ('y', pmc_kconfig_from(path, "CONFIG_PMC_Y"));
	EXPECT_EQ('m', pmc_kconfig_from(path, "CONFIG_PMC_M"));
	EXPECT_EQ('n', pmc_kconfig_from(path, "CONFIG_PMC_N"));
	EXPECT_EQ('n', pmc_kconfig_from(path, "CONFIG_PMC_ABSENT"));
	/* "CONFIG_PMC_LONG" is a prefix of CONFIG_PMC_LONGER only. */
	EXPECT_EQ('n', pmc_kconfig_from(path, "CONFIG_PMC_LONG"));
}

TEST(plain)
{
	check(_metadata, plain_cfg);
}

TEST(gzip)
{
	check(_metadata, gz_cfg);
}

TEST(missing_file)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/nope", dir);
	EXPECT_EQ(0, pmc_kconfig_from(path, "CONFIG_PMC_Y"));
}

TEST(kconfig_path_env)
{
	/* Each case runs in a fresh child: the lookup cache is empty. */
	setenv("KCONFIG_PATH", gz_cfg, 1);
	EXPECT_EQ('m', pmc_kconfig("CONFIG_PMC_M"));
	EXPECT_STREQ(gz_cfg, pmc_kconfig_source());
}

PMC_MAIN
