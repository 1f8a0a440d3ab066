#include "data/dataref.h"

#include "common/membername.h"

namespace pvc::core {

namespace {
const QString Scheme = QStringLiteral("pvc-data:");

Error bad(const QString& why)
{
    return makeError("data.bad_reference", why);
}

} // namespace

bool DataRef::isFileName(const QString& name)
{
    if (name.isEmpty() || name.toUtf8().size() > MaxNameBytes || name.startsWith(u'.'))
        return false;
    for (const QChar c : name)
        if (c == u'/' || c == QChar(0) || c == u'@' || c.category() == QChar::Other_Control)
            return false;
    return true;
}

Result<DataRef> DataRef::parse(const QString& text)
{
    if (text.size() > MaxBytes)
        return bad(QStringLiteral("a reference is at most %1 characters").arg(MaxBytes));
    if (!text.startsWith(Scheme))
        return bad(QStringLiteral("a reference starts with %1").arg(Scheme));
    const QStringView rest = QStringView(text).mid(Scheme.size());
    const qsizetype slash = rest.indexOf(u'/');
    const qsizetype at = rest.lastIndexOf(u'@');
    if (slash != 40 || at < slash)
        return bad(QStringLiteral("expected pvc-data:<40 hex digits>/<name>@<publisher>"));
    const QByteArray hex = rest.left(40).toLatin1();
    for (const char c : hex)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return bad(QStringLiteral("the info-hash is 40 lowercase hex digits"));
    DataRef ref;
    ref.infoHash = QByteArray::fromHex(hex);
    ref.name = rest.mid(41, at - 41).toString();
    ref.publisher = rest.mid(at + 1).toString();
    if (!isFileName(ref.name))
        return bad(QStringLiteral("the name is a plain file name of 1-%1 bytes").arg(MaxNameBytes));
    if (!isMemberName(ref.publisher))
        return bad(QStringLiteral("the publisher is a member's name"));
    return ref;
}

QString DataRef::toString() const
{
    return Scheme + infoHashHex() + QLatin1Char('/') + name + QLatin1Char('@') + publisher;
}

} // namespace pvc::core
