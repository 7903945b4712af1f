# Installation layout, man pages and the Debian package (`make package`;
# docs/zestd.md "Installing the package"). Included by the top-level
# CMakeLists.txt when the programs are built.

# Man pages: generated at build time from what the programs print
# (--help, --version, --config-reference); nothing generated is committed.
set(ZEST_MAN_DIR ${PROJECT_BINARY_DIR}/man)
set(ZEST_GEN_MAN ${PROJECT_SOURCE_DIR}/packaging/gen-man.py)
set(zest_man_pages)
# name target section page-name see-also
function(zest_man_page target name section page see_also)
  add_custom_command(
    OUTPUT ${ZEST_MAN_DIR}/${page}.${section}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${ZEST_MAN_DIR}
    COMMAND ${Python3_EXECUTABLE} ${ZEST_GEN_MAN} program $<TARGET_FILE:${target}> ${name}
            ${section} ${ZEST_MAN_DIR}/${page}.${section} --see-also ${see_also}
    DEPENDS ${target} ${ZEST_GEN_MAN}
    COMMENT "man page ${page}(${section})"
    VERBATIM)
  set(zest_man_pages ${zest_man_pages} ${ZEST_MAN_DIR}/${page}.${section} PARENT_SCOPE)
endfunction()
zest_man_page(zestd zestd 8 zestd "zest(1),zest.toml(5),systemd.service(5)")
zest_man_page(zest zest 1 zest "zestd(8),zest.toml(5)")
zest_man_page(sieve-test sieve-test 1 zest-sieve-test "sievec(1),sieve-dump(1),zest.toml(5)")
zest_man_page(sievec sievec 1 zest-sievec "sieve-test(1),sieve-dump(1)")
zest_man_page(sieve-dump sieve-dump 1 zest-sieve-dump "sievec(1),sieve-test(1)")
zest_man_page(sieve-filter sieve-filter 1 zest-sieve-filter "sieve-test(1),zest.toml(5)")
add_custom_command(
  OUTPUT ${ZEST_MAN_DIR}/zest.toml.5
  COMMAND ${CMAKE_COMMAND} -E make_directory ${ZEST_MAN_DIR}
  COMMAND ${Python3_EXECUTABLE} ${ZEST_GEN_MAN} config $<TARGET_FILE:zestd> ${ZEST_MAN_DIR}/zest.toml.5
  DEPENDS zestd ${ZEST_GEN_MAN}
  COMMENT "man page zest.toml(5)"
  VERBATIM)
list(APPEND zest_man_pages ${ZEST_MAN_DIR}/zest.toml.5)
add_custom_target(man ALL DEPENDS ${zest_man_pages})

# Layout (Debian: CPACK_PACKAGING_INSTALL_PREFIX is /usr). zest's
# sieve-test, sievec, sieve-dump and sieve-filter live in lib/zest/bin:
# /usr/bin/<name> is an update-alternatives link, because Debian's
# dovecot-sieve ships the same four names as plain files (packaging/debian/postinst).
install(TARGETS zestd RUNTIME DESTINATION sbin)
install(TARGETS zest RUNTIME DESTINATION bin)
install(TARGETS sieve-test sievec sieve-dump sieve-filter RUNTIME DESTINATION lib/zest/bin)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/zest.toml DESTINATION /etc/zest
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/zestd.service DESTINATION /lib/systemd/system)
foreach(page ${zest_man_pages})
  string(REGEX MATCH "[0-9]$" section ${page})
  install(FILES ${page} DESTINATION share/man/man${section})
endforeach()
file(GLOB zest_docs ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${zest_docs} DESTINATION share/doc/zest)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/ DESTINATION share/doc/zest/examples)

# The .deb: `make package` (cpack -G DEB in build/). The default build is
# RelWithDebInfo (-O2 -g, Debian's own flags): CPack moves the debug
# information of each binary into zest-dbgsym (a .ddeb, by build-id) and
# strips the binary (CPACK_STRIP_FILES must stay off for that).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME zest)
set(CPACK_PACKAGE_VENDOR "zest")
set(CPACK_PACKAGE_CONTACT "zest maintainers <zest@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Sieve mail filtering: LMTP delivery agent, LDA and ManageSieve server")
set(CPACK_PACKAGE_DESCRIPTION
    "zest runs Sieve (RFC 5228 and extensions) scripts at delivery time, as an LMTP\nserver (zestd), an LDA (zest deliver) and a ManageSieve server, next to\nPostfix and Dovecot.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION mail)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "dovecot-imapd, postfix")
set(CPACK_DEBIAN_DEBUGINFO_PACKAGE ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/debian/conffiles ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
    ${PROJECT_SOURCE_DIR}/packaging/debian/prerm ${PROJECT_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
include(CPack)
