#pragma once

#include "common/result.h"

#include <QString>

// The project's overlay network: a /16 inside the class-E block 240.0.0.0/4. Offset 1 is kept
// free; every host, the master's own machine included, gets an offset from 2 up, never the
// network or broadcast address.
namespace pvc::core {

class AddressPlan {
public:
    // Errors: network.malformed, network.not_class_e, network.bad_prefix.
    static Result<AddressPlan> parse(const QString& cidr);

    QString cidr() const;
    QString masterAddress() const { return addressAt(1); }
    QString addressAt(quint32 offset) const;
    bool contains(const QString& address) const;
    // Offsets a host may hold: 2 .. lastHostOffset() inclusive.
    static constexpr quint32 firstHostOffset() { return 2; }
    quint32 lastHostOffset() const { return (1u << (32 - m_prefix)) - 2; }

private:
    quint32 m_base = 0;
    int m_prefix = 16;
};

} // namespace pvc::core
