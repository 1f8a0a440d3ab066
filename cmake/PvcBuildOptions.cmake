# One INTERFACE target carries the language level, warnings and Qt strictness for every target.
add_library(pvc_build_options INTERFACE)
target_compile_features(pvc_build_options INTERFACE cxx_std_20)
target_compile_definitions(pvc_build_options INTERFACE QT_NO_CAST_FROM_ASCII QT_NO_KEYWORDS
    PVC_VERSION="${PROJECT_VERSION}")
target_compile_options(pvc_build_options INTERFACE -Wall -Wextra -Wpedantic)
if(PVC_TEST_SWITCHES)
    target_compile_definitions(pvc_build_options INTERFACE PVC_TEST_SWITCHES)
endif()

if(PVC_SANITIZE)
    target_compile_options(pvc_build_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
        -fno-sanitize-recover=undefined)
    target_link_options(pvc_build_options INTERFACE -fsanitize=address,undefined)
endif()
if(PVC_TSAN)
    if(PVC_SANITIZE)
        message(FATAL_ERROR "PVC_TSAN and PVC_SANITIZE cannot be combined: build them in separate trees")
    endif()
    target_compile_options(pvc_build_options INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
    target_link_options(pvc_build_options INTERFACE -fsanitize=thread)
endif()

# A binary records only the shared libraries it uses: the broker and pvc-admin do not load miniupnpc
# or D-Bus because a module they link has them as a private dependency.
target_link_options(pvc_build_options INTERFACE LINKER:--as-needed)
