#include "labresolvconf.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

namespace pvc::test {

namespace {
const QString netnsDir = QStringLiteral("/etc/netns");
} // namespace

LabResolvConf::~LabResolvConf()
{
    for (const QString& path : std::as_const(m_dirs)) {
        QFile::remove(path + QStringLiteral("/resolv.conf"));
        QDir().rmdir(path);
    }
    if (m_createdNetnsDir)
        QDir().rmdir(netnsDir); // only if empty: another lab may use it by now
}

bool LabResolvConf::write(const QString& namespaceName, const QString& address, const QString& domain, QString* error)
{
    if (!QFileInfo::exists(netnsDir)) {
        if (!QDir().mkpath(netnsDir)) {
            *error = QStringLiteral("cannot create ") + netnsDir;
            return false;
        }
        m_createdNetnsDir = true;
    }
    const QString path = netnsDir + QLatin1Char('/') + namespaceName;
    if (!m_dirs.contains(path))
        m_dirs << path;
    QDir().mkpath(path);
    QFile file(path + QStringLiteral("/resolv.conf"));
    const QByteArray text
        = QStringLiteral("nameserver %1\nsearch %2\noptions timeout:2 attempts:2\n").arg(address, domain).toLatin1();
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(text) != text.size()) {
        *error = QStringLiteral("cannot write ") + file.fileName();
        return false;
    }
    return true;
}

} // namespace pvc::test
