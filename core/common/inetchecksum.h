#pragma once

#include <QtGlobal>

namespace pvc::core {

// The Internet checksum (RFC 1071): the one's-complement sum of 16-bit big-endian words, folded and
// inverted. `sum` carries a pseudo-header's partial sum (RFC 9293 section 3.1) into the TCP checksum.
// It is 0 over a header whose checksum field is correct. Shared by pvcd's raw SYN builder and
// pvc-helper's SYN checks, so the two can never disagree on what a valid packet is.
quint16 internetChecksum(const uchar* data, qsizetype size, quint32 sum = 0);

} // namespace pvc::core
