# Helper functions that keep every component's CMake short and uniform.
#
#   ccmon_library(NAME <name> SRCS ... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
#       Static library ccmon_<name>, aliased ccmon::<name>. Includes are full paths from the
#       repository root, so the root is the public include directory.
#   ccmon_test(NAME <name> SRCS ... DEPS ... [LABELS ...])
#       GoogleTest executable registered with CTest (gtest_discover_tests). Label "bench" keeps a
#       test out of the default run.
#   ccmon_bench(NAME <name> SRCS ... DEPS ...)
#       Google Benchmark executable (not registered with CTest).

set(CCMON_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough)
if(CCMON_WERROR)
  list(APPEND CCMON_WARNINGS -Werror)
endif()

function(ccmon_apply_options target)
  target_compile_options(${target} PRIVATE ${CCMON_WARNINGS})
  if(CCMON_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
  if(CCMON_FUZZ)
    # Coverage instrumentation for libFuzzer in every library the fuzz targets link.
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link,address,undefined)
  endif()
endfunction()

function(ccmon_library)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(ccmon_${ARG_NAME} STATIC ${ARG_SRCS})
  add_library(ccmon::${ARG_NAME} ALIAS ccmon_${ARG_NAME})
  target_include_directories(ccmon_${ARG_NAME} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(ccmon_${ARG_NAME} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  ccmon_apply_options(ccmon_${ARG_NAME})
endfunction()

function(ccmon_executable)
  cmake_parse_arguments(ARG "" "NAME;OUTPUT_NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS})
  if(ARG_OUTPUT_NAME)
    set_target_properties(${ARG_NAME} PROPERTIES OUTPUT_NAME ${ARG_OUTPUT_NAME})
  endif()
  set_target_properties(${ARG_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bin)
  ccmon_apply_options(${ARG_NAME})
endfunction()

include(GoogleTest OPTIONAL)

function(ccmon_test)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_include_directories(${ARG_NAME} PRIVATE ${PROJECT_SOURCE_DIR})
  target_compile_definitions(${ARG_NAME} PRIVATE
      CCMON_SOURCE_DIR="${PROJECT_SOURCE_DIR}" CCMON_BINARY_DIR="${PROJECT_BINARY_DIR}")
  ccmon_apply_options(${ARG_NAME})
  set(labels unit)
  if(ARG_LABELS)
    set(labels ${ARG_LABELS})
  endif()
  gtest_discover_tests(${ARG_NAME}
      PROPERTIES LABELS "${labels}" ENVIRONMENT "CCMON_BINARY_DIR=${PROJECT_BINARY_DIR}"
      DISCOVERY_TIMEOUT 60)
endfunction()

function(ccmon_bench)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS" ${ARGN})
  if(NOT CCMON_BUILD_BENCH)
    return()
  endif()
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} benchmark::benchmark)
  target_include_directories(${ARG_NAME} PRIVATE ${PROJECT_SOURCE_DIR})
  set_target_properties(${ARG_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bench)
  ccmon_apply_options(${ARG_NAME})
endfunction()
