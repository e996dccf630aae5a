# Finds janus' dependencies (all Debian packages) and wraps them in imported targets.
find_package(PkgConfig REQUIRED)
# Threads and fmt are in janus' public interface (headers, exported link interface):
# janusConfig.cmake and janus.pc find them again (cmake/JanusInstall.cmake).
janus_public_dependency(Threads PKGCONFIG_LIBS -pthread)
janus_public_dependency(fmt PKGCONFIG fmt)
find_package(nlohmann_json 3 REQUIRED)

# Debian's OpenBLAS ships a pkg-config file (its CMake config only sets variables):
# wrap it in one imported target.
pkg_check_modules(OPENBLAS REQUIRED IMPORTED_TARGET openblas)
add_library(janus::blas ALIAS PkgConfig::OPENBLAS)

# HDF5 (Debian's libhdf5-dev, the serial C library): Keras 3's .weights.h5 files. Linked
# PRIVATE into the shared frontends library, so downstream users need not find it.
find_package(HDF5 REQUIRED COMPONENTS C)
if(NOT TARGET hdf5::hdf5)
  add_library(hdf5::hdf5 INTERFACE IMPORTED)
  target_include_directories(hdf5::hdf5 INTERFACE ${HDF5_C_INCLUDE_DIRS})
  target_link_libraries(hdf5::hdf5 INTERFACE ${HDF5_C_LIBRARIES})
  target_compile_definitions(hdf5::hdf5 INTERFACE ${HDF5_C_DEFINITIONS})
endif()

if(JANUS_BUILD_TESTS)
  find_package(Catch2 2 REQUIRED)
endif()
