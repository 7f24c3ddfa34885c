# Every dependency as an imported target: OpenSSL through CMake's own module,
# the rest through their pkg-config files (Debian ships them all).
find_package(OpenSSL 3.0 REQUIRED)
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(LMDB REQUIRED IMPORTED_TARGET lmdb)
pkg_check_modules(MSGPACK REQUIRED IMPORTED_TARGET msgpack)
pkg_check_modules(JANSSON REQUIRED IMPORTED_TARGET jansson)
if(MLEDGER_BUILD_TESTS)
  pkg_check_modules(CRITERION REQUIRED IMPORTED_TARGET criterion)
endif()
