#include "pcapsummary.h"

#include <QtEndian>

namespace pvc::test {

Capture readPcap(const QByteArray& file)
{
    Capture capture;
    if (file.size() < 24)
        return capture;
    const quint32 magic = qFromLittleEndian<quint32>(file.constData());
    const bool little = magic == 0xa1b2c3d4u || magic == 0xa1b23c4du;
    if (!little && qFromBigEndian<quint32>(file.constData()) != 0xa1b2c3d4u
        && qFromBigEndian<quint32>(file.constData()) != 0xa1b23c4du)
        return capture;
    const auto u32 = [&](qsizetype at) {
        return little ? qFromLittleEndian<quint32>(file.constData() + at)
                      : qFromBigEndian<quint32>(file.constData() + at);
    };
    qsizetype at = 24;
    while (at + 16 <= file.size()) {
        const quint32 length = u32(at + 8);
        const qsizetype data = at + 16;
        if (data + length > file.size())
            break;
        ++capture.packets;
        // Ethernet (14) + IPv4 header (IHL) + UDP (8), then the first payload byte.
        if (length > 14 + 20 + 8) {
            const int ihl = (quint8(file[data + 14]) & 0x0f) * 4;
            const qsizetype payload = data + 14 + ihl + 8;
            if (payload < data + length && (quint8(file[payload]) == 0xF0 || quint8(file[payload]) == 0xF1))
                ++capture.relayed;
        }
        at = data + length;
    }
    capture.valid = at == file.size();
    return capture;
}

} // namespace pvc::test
