#pragma once

#include <QString>

namespace pvc::core {

// Whether the machine runs on battery now (DESIGN.md, "Owner's policy": suspend on battery).
class BatterySource {
public:
    virtual ~BatterySource() = default;
    virtual bool onBattery() = 0;
};

// The kernel's power supply class (Documentation/ABI/testing/sysfs-class-power): on battery when
// a battery is present and no mains or USB supply is online. A machine without a battery never is.
class SysfsBatterySource : public BatterySource {
public:
    explicit SysfsBatterySource(QString root = QStringLiteral("/sys/class/power_supply"));
    bool onBattery() override;

private:
    QString m_root;
};

} // namespace pvc::core
