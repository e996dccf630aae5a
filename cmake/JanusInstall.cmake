# `cmake --install build --prefix P` makes janus a C++ library like any other: headers in
# P/include, libjanus_*.so in P/lib, P/lib/cmake/janus/janusConfig.cmake (+ version file) with
# the targets janus::<folder>, and P/lib/pkgconfig/janus.pc. Included before the folders;
# janus_library() calls janus_install_library(), and the top level calls
# janus_install_package() once every folder is added.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# janus_public_dependency(PACKAGE [FIND args...] [PKGCONFIG modules...] [PKGCONFIG_LIBS flags...])
# find_package(PACKAGE args...) for a dependency that janus' public headers or exported link
# interface expose, recorded so that janusConfig.cmake finds it again (find_dependency) and
# janus.pc requires it. A dependency linked PRIVATE into the shared libraries needs none of
# this: the libraries carry it themselves.
macro(janus_public_dependency package)
  cmake_parse_arguments(_jpd "" "" "FIND;PKGCONFIG;PKGCONFIG_LIBS" ${ARGN})
  find_package(${package} ${_jpd_FIND} REQUIRED)
  string(JOIN " " _jpd_call ${package} ${_jpd_FIND})
  set_property(GLOBAL APPEND PROPERTY JANUS_CONFIG_DEPENDENCIES "find_dependency(${_jpd_call})")
  set_property(GLOBAL APPEND PROPERTY JANUS_PC_REQUIRES ${_jpd_PKGCONFIG})
  set_property(GLOBAL APPEND PROPERTY JANUS_PC_LIBS ${_jpd_PKGCONFIG_LIBS})
endmacro()

# Installs one janus_library(): its headers (DIR/include) and the library, in the export set.
function(janus_install_library name dir)
  install(TARGETS ${name} EXPORT janusTargets
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(DIRECTORY ${dir}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  set_property(GLOBAL APPEND PROPERTY JANUS_INSTALLED_LIBRARIES ${name})
endfunction()

# The package files: janusConfig.cmake, janusConfigVersion.cmake, janusTargets.cmake, janus.pc.
function(janus_install_package)
  set(cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/janus)
  get_property(libraries GLOBAL PROPERTY JANUS_INSTALLED_LIBRARIES)
  get_property(dependencies GLOBAL PROPERTY JANUS_CONFIG_DEPENDENCIES)
  get_property(pc_requires GLOBAL PROPERTY JANUS_PC_REQUIRES)
  get_property(pc_libs GLOBAL PROPERTY JANUS_PC_LIBS)

  install(EXPORT janusTargets NAMESPACE janus:: DESTINATION ${cmake_dir} FILE janusTargets.cmake)

  # What the installed libraries were compiled for: -march=native ties them to this CPU's ISA
  # (named as GCC resolves it, e.g. znver3 or skylake-avx512).
  if(JANUS_ARCH STREQUAL "native")
    execute_process(COMMAND ${CMAKE_CXX_COMPILER} -march=native -Q --help=target
                    OUTPUT_VARIABLE target_help ERROR_QUIET)
    string(REGEX MATCH "-march=[ \t]+([^ \t\n]+)" _ "${target_help}")
    set(native_arch "${CMAKE_MATCH_1}")
    if(NOT native_arch)
      set(native_arch "this machine's CPU")
    endif()
    # GCC may name an older -march (znver3 for a Zen 4) yet enable newer features: say the widest.
    execute_process(COMMAND ${CMAKE_CXX_COMPILER} -march=native -dM -E -x c++ /dev/null
                    OUTPUT_VARIABLE native_macros ERROR_QUIET)
    if(native_macros MATCHES "__AVX512F__")
      string(APPEND native_arch " with AVX-512")
    elseif(native_macros MATCHES "__AVX2__")
      string(APPEND native_arch " with AVX2")
    endif()
    set(JANUS_ISA_NOTE "built with -march=native (${native_arch}): runs only on CPUs with that instruction set")
  elseif(JANUS_ARCH)
    set(JANUS_ISA_NOTE "built with -march=${JANUS_ARCH}: runs only on CPUs with that instruction set")
  else()
    set(JANUS_ISA_NOTE "built for the compiler's default instruction set")
  endif()
  list(JOIN dependencies "\n" JANUS_CONFIG_FIND_DEPENDENCIES)
  set(JANUS_CONFIG_COMPONENTS ${libraries})
  configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/janusConfig.cmake.in
                                ${PROJECT_BINARY_DIR}/janusConfig.cmake INSTALL_DESTINATION ${cmake_dir})
  # 0.x: a minor version may break the API, so only the same major.minor is compatible.
  write_basic_package_version_file(${PROJECT_BINARY_DIR}/janusConfigVersion.cmake
                                   COMPATIBILITY SameMinorVersion)
  install(FILES ${PROJECT_BINARY_DIR}/janusConfig.cmake ${PROJECT_BINARY_DIR}/janusConfigVersion.cmake
          DESTINATION ${cmake_dir})

  # janus.pc locates the prefix from its own folder (pcfiledir), so it is right for any
  # --prefix given at install time. Libraries listed dependents first, for static-style linkers.
  set(pc_dir ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
  file(RELATIVE_PATH JANUS_PC_PREFIX /root/${pc_dir} /root)  # "../.." for lib/pkgconfig
  string(REGEX REPLACE "/$" "" JANUS_PC_PREFIX "${JANUS_PC_PREFIX}")
  set(JANUS_PC_LIBDIR ${CMAKE_INSTALL_LIBDIR})
  set(JANUS_PC_INCLUDEDIR ${CMAKE_INSTALL_INCLUDEDIR})
  list(REVERSE libraries)
  list(TRANSFORM libraries PREPEND -ljanus_ OUTPUT_VARIABLE pc_link)
  list(JOIN pc_link " " JANUS_PC_LINK)
  list(JOIN pc_libs " " JANUS_PC_EXTRA_LIBS)
  list(JOIN pc_requires ", " JANUS_PC_REQUIRES)
  configure_file(${PROJECT_SOURCE_DIR}/cmake/janus.pc.in ${PROJECT_BINARY_DIR}/janus.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/janus.pc DESTINATION ${pc_dir})
endfunction()
