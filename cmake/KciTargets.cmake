# Helpers that give every component the same shape:
#   <dir>/*.cpp           the library kci_<name> (tests, benchmarks and fuzzers excluded)
#   <dir>/test/*_test.cpp one test binary <name>_tests, every GoogleTest case its own ctest
#   a link-check executable that links the whole library against only its declared
#   dependencies, so a call that crosses a seam fails the build.

set(KCI_WARNINGS -Wall -Wextra -Werror -Wno-missing-field-initializers)
# The shared specification (DESIGN.md, reference/, seeds/) that tests read; beside the
# checkout by default, elsewhere for a checkout in a nested worktree.
set(KCI_SHARED_DIR "${PROJECT_SOURCE_DIR}/../shared" CACHE PATH "the shared specification folder")

# Link check: every object of library kci_NAME, resolved only by the declared dependencies.
# Stripped: only whether it links matters. Not in the sanitizer build, which links the
# same objects (and there each check is half a gigabyte).
function(kci_link_check name)
  cmake_parse_arguments(ARG "" "" "LIBS" ${ARGN})
  if(KCI_SANITIZE)
    return()
  endif()
  set(stub ${CMAKE_CURRENT_BINARY_DIR}/${name}_link_check.cpp)
  file(WRITE ${stub} "int main() { return 0; }\n")
  add_executable(${name}_link_check ${stub})
  target_link_libraries(${name}_link_check PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,kci_${name}>" ${ARG_LIBS})
  target_link_options(${name}_link_check PRIVATE LINKER:--strip-all)
  set_target_properties(${name}_link_check PROPERTIES RUNTIME_OUTPUT_DIRECTORY
                        ${CMAKE_BINARY_DIR}/link-check)
endfunction()

# kci_library(NAME SOURCES file... DEPS dep... [LIBS lib...]): the static library kci_NAME
# of SOURCES, linking kci_<dep> for each DEPS and LIBS as they are, with its link check.
# Used directly for a few files of a component that need less than the rest of it (the
# fuzzers link the protobuf body decoder without the server): the component then names the
# library in DEPS and leaves the files out with EXCLUDE.
function(kci_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LIBS" ${ARGN})
  add_library(kci_${name} STATIC ${ARG_SOURCES})
  target_include_directories(kci_${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_compile_options(kci_${name} PRIVATE ${KCI_WARNINGS})
  set(deps)
  foreach(d IN LISTS ARG_DEPS)
    list(APPEND deps kci_${d})
  endforeach()
  target_link_libraries(kci_${name} PUBLIC ${deps} ${ARG_LIBS})
  kci_link_check(${name} LIBS ${deps} ${ARG_LIBS})
endfunction()

# kci_component(NAME DEPS dep... [LIBS lib...] [EXCLUDE file...]): the component's sources
# (every .cpp below its folder but tests, deploy material, benchmarks and mains) but the
# EXCLUDEd ones, as kci_library NAME.
function(kci_component name)
  cmake_parse_arguments(ARG "" "" "DEPS;LIBS;EXCLUDE" ${ARGN})
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  list(FILTER srcs EXCLUDE REGEX "/test/|/deploy/|_test\\.cpp$|_benchmark\\.cpp$|/main\\.cpp$")
  foreach(f IN LISTS ARG_EXCLUDE)
    list(REMOVE_ITEM srcs ${CMAKE_CURRENT_SOURCE_DIR}/${f})
  endforeach()
  kci_library(${name} SOURCES ${srcs} DEPS ${ARG_DEPS} LIBS ${ARG_LIBS})
endfunction()

# kci_component_tests(NAME [LIBS lib...]): <dir>/test/*_test.cpp into <name>_tests.
function(kci_component_tests name)
  cmake_parse_arguments(ARG "" "" "LIBS" ${ARGN})
  file(GLOB tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/test/*_test.cpp)
  if(NOT tests)
    return()
  endif()
  add_executable(${name}_tests ${tests})
  target_compile_options(${name}_tests PRIVATE ${KCI_WARNINGS})
  target_compile_definitions(${name}_tests PRIVATE
    KCI_SOURCE_DIR="${PROJECT_SOURCE_DIR}" KCI_SHARED_DIR="${KCI_SHARED_DIR}"
    KCI_BINARY_DIR="${CMAKE_BINARY_DIR}")
  target_link_libraries(${name}_tests PRIVATE kci_${name} ${ARG_LIBS}
    GTest::gtest GTest::gmock GTest::gtest_main rapidcheck rapidcheck_gtest)
  gtest_discover_tests(${name}_tests DISCOVERY_MODE PRE_TEST
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR} PROPERTIES LABELS ${name})
endfunction()
