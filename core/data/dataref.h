#pragma once

#include "common/result.h"

#include <QByteArray>
#include <QString>

namespace pvc::core {

// A published piece of data (docs/data.md): `pvc-data:<info-hash>/<name>@<publisher>`, where the
// info-hash is the torrent's SHA-1 v1 hash in 40 lowercase hex digits, the name is the file or directory
// name the publisher gave (a plain file name), and the publisher is the member that seeds it first.
struct DataRef {
    static constexpr qsizetype MaxBytes = 512;
    static constexpr qsizetype MaxNameBytes = 200;

    QByteArray infoHash; // 20 bytes
    QString name;
    QString publisher;

    // Errors: data.bad_reference (the detail says which part).
    static Result<DataRef> parse(const QString& text);
    QString toString() const;
    QString infoHashHex() const { return QString::fromLatin1(infoHash.toHex()); }
    bool operator==(const DataRef&) const = default;
    // A plain file name: not empty, no '/', no NUL, not "." or "..", not starting with '.', at most MaxNameBytes.
    static bool isFileName(const QString& name);
};

} // namespace pvc::core
