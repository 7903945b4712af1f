# ctest test `differential` (label differential): zest's sieve-test against
# Pigeonhole's on tests/differential/cases via run.py. Included from
# tests/integration/CMakeLists.txt. run.py exits 77 (skipped) only when
# Pigeonhole's /usr/bin/sieve-test is not installed.
find_package(Python3 COMPONENTS Interpreter QUIET)
if(TARGET sieve-test AND Python3_Interpreter_FOUND)
  add_test(NAME differential
           COMMAND Python3::Interpreter ${PROJECT_SOURCE_DIR}/tests/differential/run.py
                   $<TARGET_FILE:sieve-test>)
  set_tests_properties(differential PROPERTIES
    LABELS differential
    SKIP_RETURN_CODE 77
    TIMEOUT 600)
endif()
