# janus_library(NAME DIR): a shared library from DIR/src/**/*.cpp with public headers in
# DIR/include. Shared, so that every op's self-registration is linked in. Every such library
# is installed and exported as janus::NAME (cmake/JanusInstall.cmake): a new folder needs
# nothing more than its janus_library() line.
function(janus_apply_flags target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-unused-parameter)
  if(JANUS_ARCH)
    target_compile_options(${target} PRIVATE -march=${JANUS_ARCH})
  endif()
  if(JANUS_FUZZ)
    # Coverage for libFuzzer plus the sanitizers in every library the fuzz targets call;
    # FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION (the OSS-Fuzz convention) lets mutated
    # training checkpoints past their checksum.
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                           -fno-sanitize-recover=undefined -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
  if(JANUS_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()

function(janus_library name dir)
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${dir}/src/*.cpp)
  if(NOT sources)  # a folder whose first sources have not landed yet
    file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/${name}_empty.cpp "// placeholder\n")
    set(sources ${CMAKE_CURRENT_BINARY_DIR}/${name}_empty.cpp)
  endif()
  add_library(${name} SHARED ${sources})
  # EXPORT_NAME: the installed config exports it as janus::${name}, the alias's name here.
  # INSTALL_RPATH: an installed library finds its sibling janus libraries next to itself.
  set_target_properties(${name} PROPERTIES OUTPUT_NAME janus_${name} EXPORT_NAME ${name}
                        INSTALL_RPATH "$ORIGIN")
  add_library(janus::${name} ALIAS ${name})
  target_include_directories(${name} PUBLIC $<BUILD_INTERFACE:${dir}/include>
                                            $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_compile_features(${name} PUBLIC cxx_std_17)
  janus_apply_flags(${name})
  janus_install_library(${name} ${dir})  # cmake/JanusInstall.cmake
endfunction()

# janus_program(NAME SOURCES... LIBS ...): an executable with the project's flags.
function(janus_program name)
  cmake_parse_arguments(P "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${P_SOURCES})
  target_link_libraries(${name} PRIVATE ${P_LIBS})
  janus_apply_flags(${name})
endfunction()
