# PAM module tests (issue 5), included by the top Makefile:
#   make pam-unit    tests/unit/test_pam.c alone: cmocka + libpamtest under
#                    pam_wrapper, any uid; the decisions that need a policy
#                    only root can write are skipped here
#   make pam-check   as root: the hermetic suite tests/pam/run.sh (pamtester,
#                    su -l, login, sshd with UsePAM yes) and test_pam with
#                    fixture policies
# test_pam talks to the built module only (dlopen and service files naming
# $(BUILD)/pam_sandsh.so), so it links neither the core nor libconfig. It
# re-executes itself under pam_wrapper (LD_PRELOAD=libpam_wrapper.so
# PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=<a temporary directory of its own>),
# so running the binary needs no environment.

PAM_UNIT_BIN := $(BUILD)/tests/test_pam

.PHONY: pam-unit pam-check

$(PAM_UNIT_BIN): tests/unit/test_pam.c tests/pam.mk $(FLAGS_FILE) | deps-check deps-pam-unit deps-pam
	@mkdir -p $(dir $@)
	$(call say,CCLD,$@)
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< -lpamtest -lpam -lcmocka -ldl

pam-unit: $(BUILD)/pam_sandsh.so $(PAM_UNIT_BIN)
	SANDSH_PAM_MODULE=$(BUILD)/pam_sandsh.so $(PAM_UNIT_BIN)

pam-check: all $(TEST_TOOLS) $(PAM_UNIT_BIN) | deps-check
	tests/pam/run.sh $(BUILD)
