# `format` rewrites the sources; `format-check` fails on any difference (run in CI).
find_program(CLANG_FORMAT NAMES clang-format-14 clang-format)
if(CLANG_FORMAT)
    file(GLOB_RECURSE PVC_FORMAT_SOURCES CONFIGURE_DEPENDS
        ${PROJECT_SOURCE_DIR}/core/*.cpp ${PROJECT_SOURCE_DIR}/core/*.h
        ${PROJECT_SOURCE_DIR}/broker/*.cpp ${PROJECT_SOURCE_DIR}/broker/*.h
        ${PROJECT_SOURCE_DIR}/app/*.cpp ${PROJECT_SOURCE_DIR}/app/*.h
        ${PROJECT_SOURCE_DIR}/tests/*.cpp ${PROJECT_SOURCE_DIR}/tests/*.h)
    add_custom_target(format COMMAND ${CLANG_FORMAT} -i ${PVC_FORMAT_SOURCES} COMMENT "clang-format")
    add_custom_target(format-check COMMAND ${CLANG_FORMAT} --dry-run --Werror ${PVC_FORMAT_SOURCES}
        COMMENT "clang-format check")
endif()
