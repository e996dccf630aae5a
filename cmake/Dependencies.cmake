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

if(JANUS_BUILD_TESTS)
  find_package(Catch2 2 REQUIRED)
endif()
