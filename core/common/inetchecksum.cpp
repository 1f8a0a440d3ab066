#include "common/inetchecksum.h"

namespace pvc::core {

quint16 internetChecksum(const uchar* data, qsizetype size, quint32 sum)
{
    for (qsizetype i = 0; i + 1 < size; i += 2)
        sum += quint32(data[i]) << 8 | data[i + 1];
    if (size % 2)
        sum += quint32(data[size - 1]) << 8;
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    return quint16(~sum);
}

} // namespace pvc::core
