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

# Debian's libstb.so already contains the stb_image implementation: link it and never
# define STB_IMAGE_IMPLEMENTATION.
pkg_check_modules(STB REQUIRED IMPORTED_TARGET stb)
add_library(janus::stb ALIAS PkgConfig::STB)

if(JANUS_BUILD_TESTS)
  find_package(Catch2 2 REQUIRED)
endif()
