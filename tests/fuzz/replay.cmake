# Runs each replay binary on its corpus directory: PAIRS is a list
# binary;corpus;binary;corpus;...  A missing corpus directory means the
# target runs on the empty input only.
list(LENGTH PAIRS n)
math(EXPR last "${n} - 1")
foreach(i RANGE 0 ${last} 2)
  math(EXPR j "${i} + 1")
  list(GET PAIRS ${i} binary)
  list(GET PAIRS ${j} corpus)
  set(args)
  if(EXISTS ${corpus})
    set(args ${corpus})
  endif()
  execute_process(COMMAND ${binary} ${args} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${binary} failed on ${corpus}: ${rc}")
  endif()
endforeach()
