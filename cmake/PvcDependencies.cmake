# Every dependency comes from a Debian 12 package (see installer/debian-packages.txt).
find_package(Qt6 6.4 REQUIRED COMPONENTS Core Network Sql Test OPTIONAL_COMPONENTS DBus)
if(PVC_BUILD_GUI)
    find_package(Qt6 6.4 REQUIRED COMPONENTS Widgets LinguistTools)
endif()
find_package(OpenSSL 3.0 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(MINIUPNPC REQUIRED IMPORTED_TARGET miniupnpc)
pkg_check_modules(LIBTORRENT REQUIRED IMPORTED_TARGET libtorrent-rasterbar)
