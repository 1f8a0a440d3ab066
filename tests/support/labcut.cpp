#include "labcut.h"

#include <QDir>
#include <QFile>

namespace pvc::test {

LabCut::LabCut(LabNetwork& lab, const QString& a, const QString& b)
    : m_lab(lab)
{
    QString tables;
    for (const char* family : { "bridge", "inet" })
        tables += QStringLiteral("table %1 pvcnat {\n"
                                 "    chain forward {\n"
                                 "        type filter hook forward priority filter; policy accept;\n"
                                 "        ip saddr %2 ip daddr %3 drop\n"
                                 "        ip saddr %3 ip daddr %2 drop\n"
                                 "    }\n"
                                 "}\n")
                      .arg(QLatin1String(family), a, b);
    m_active = apply(tables);
}

LabCut::~LabCut()
{
    lift();
}

bool LabCut::lift()
{
    if (m_active)
        m_active = !apply(QStringLiteral("delete table bridge pvcnat\ndelete table inet pvcnat\n"));
    return !m_active;
}

bool LabCut::apply(const QString& script)
{
    const QString path = QDir::tempPath() + QStringLiteral("/%1-pvcnat.nft").arg(m_lab.prefix());
    QFile file(path);
    const QByteArray bytes = script.toUtf8();
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(bytes) != bytes.size()) {
        m_error = QStringLiteral("cannot write ") + path;
        return false;
    }
    file.close();
    const RunResult r = m_lab.exec(QStringLiteral("inet"), { QStringLiteral("nft"), QStringLiteral("-f"), path });
    QFile::remove(path);
    m_error = r.err;
    return r.exitCode == 0;
}

} // namespace pvc::test
