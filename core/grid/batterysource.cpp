#include "grid/batterysource.h"

#include <QDir>
#include <QFile>

namespace pvc::core {

namespace {
QByteArray attribute(const QString& supply, const char* name)
{
    QFile file(supply + QLatin1Char('/') + QLatin1String(name));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.read(64).trimmed();
}
} // namespace

SysfsBatterySource::SysfsBatterySource(QString root)
    : m_root(std::move(root))
{
}

bool SysfsBatterySource::onBattery()
{
    bool battery = false;
    bool discharging = false;
    bool externalKnown = false;
    bool externalOnline = false;
    const QDir dir(m_root);
    for (const QString& entry : dir.entryList(QDir::Dirs | QDir::NoDotAndDotDot | QDir::System)) {
        const QString supply = dir.filePath(entry);
        const QByteArray type = attribute(supply, "type");
        if (type == "Battery") {
            // "present" is missing on some firmware; a listed battery is then taken as there. A wireless
            // mouse's battery has scope Device and powers nothing else.
            if (attribute(supply, "present") == "0" || attribute(supply, "scope") == "Device")
                continue;
            battery = true;
            discharging = discharging || attribute(supply, "status") == "Discharging";
        } else if (type == "Mains" || type.startsWith("USB")) {
            externalKnown = true;
            externalOnline = externalOnline || attribute(supply, "online") == "1";
        }
    }
    if (!battery)
        return false;
    // Some laptops list no mains adapter at all: the battery's own status tells.
    return externalKnown ? !externalOnline : discharging;
}

} // namespace pvc::core
