#include "tunnel/tunnelkeys.h"

#include <algorithm>
#include <openssl/crypto.h>

namespace pvc::core {

namespace {
constexpr int ExportBytes = 2 * int(TunnelKeys::KeyBytes);
constexpr int MaxEpochs = 256; // the header carries the epoch in one byte
} // namespace

QByteArray TunnelKeys::label()
{
    return QByteArrayLiteral("EXPORTER-pvc-tunnel-v1");
}

QByteArray TunnelKeys::context(std::uint32_t epoch)
{
    const char bytes[4] = { char(epoch >> 24), char(epoch >> 16), char(epoch >> 8), char(epoch) };
    return QByteArray(bytes, 4);
}

Result<TunnelKeys> TunnelKeys::derive(const Exporter& exporter, Role role, int epochs)
{
    if (!exporter || epochs < 1 || epochs > MaxEpochs)
        return makeError("tunnel.bad_argument", QStringLiteral("no exporter, or epochs outside 1..256"));
    TunnelKeys keys;
    keys.m_epochs.resize(std::size_t(epochs));
    for (int number = 0; number < epochs; ++number) {
        QByteArray material = exporter(label(), context(std::uint32_t(number)), ExportBytes);
        if (material.size() != ExportBytes) {
            OPENSSL_cleanse(material.data(), std::size_t(material.size()));
            return makeError("tunnel.exporter_failed",
                QStringLiteral("the TLS exporter gave %1 bytes for epoch %2").arg(material.size()).arg(number));
        }
        const auto* bytes = reinterpret_cast<const std::uint8_t*>(material.constData());
        const std::uint8_t* clientToServer = bytes;
        const std::uint8_t* serverToClient = bytes + KeyBytes;
        Epoch& epoch = keys.m_epochs[std::size_t(number)];
        std::copy_n(role == Role::Client ? clientToServer : serverToClient, KeyBytes, epoch.send.begin());
        std::copy_n(role == Role::Client ? serverToClient : clientToServer, KeyBytes, epoch.receive.begin());
        OPENSSL_cleanse(material.data(), std::size_t(material.size()));
    }
    return keys;
}

TunnelKeys::TunnelKeys(TunnelKeys&& other) noexcept
    : m_epochs(std::move(other.m_epochs))
{
    other.m_epochs.clear();
}

TunnelKeys& TunnelKeys::operator=(TunnelKeys&& other) noexcept
{
    if (this != &other) {
        wipe();
        m_epochs = std::move(other.m_epochs);
        other.m_epochs.clear();
    }
    return *this;
}

TunnelKeys::~TunnelKeys()
{
    wipe();
}

void TunnelKeys::wipe()
{
    if (!m_epochs.empty())
        OPENSSL_cleanse(m_epochs.data(), m_epochs.size() * sizeof(Epoch));
    m_epochs.clear();
}

const TunnelKeys::Epoch* TunnelKeys::epoch(std::uint32_t number) const
{
    return number < m_epochs.size() ? &m_epochs[number] : nullptr;
}

} // namespace pvc::core
