#include "connectivity/ttcpclient.h"

#include "connectivity/helperclient.h"

namespace pvc::core {

TtcpClient::TtcpClient(HelperClient* helper, QObject* parent)
    : QObject(parent)
    , m_helper(helper)
{
    m_synPoll.setInterval(10);
    connect(&m_synPoll, &QTimer::timeout, this, &TtcpClient::pollSyn);
    connect(&m_punch, &TcpPunch::succeeded, this, [this](const TcpEndpoint& server) {
        m_synPoll.stop();
        Q_EMIT succeeded(server);
    });
    connect(&m_punch, &TcpPunch::failed, this, [this](const QString& code, const QString& detail) {
        m_synPoll.stop();
        Q_EMIT failed(code, detail);
    });
}

void TtcpClient::start(const TcpEndpoint& server, int timeoutMs)
{
    // Armed before connect(), so the first SYN is in the capture.
    const Result<bool> armed = m_helper->armSynCapture(m_punch.localPort(), server.address, server.port);
    if (!armed) {
        const Error error = armed.error();
        QTimer::singleShot(0, this, [this, error] { fail(error.code, error.detail); });
        return;
    }
    m_punch.setRetry(false);
    m_punch.start({ server }, timeoutMs);
    m_synDeadline = QDeadlineTimer(SynWaitMs);
    m_synPoll.start();
}

void TtcpClient::pollSyn()
{
    const Result<QByteArray> syn = m_helper->takeSyn(m_punch.localPort());
    if (syn) {
        m_synPoll.stop();
        Q_EMIT synCaptured(*syn);
    } else if (syn.error().code != QLatin1String("helper.no_syn")) {
        fail(syn.error().code, syn.error().detail);
    } else if (m_synDeadline.hasExpired()) {
        fail(QStringLiteral("ttcp.no_syn"), QStringLiteral("connect() sent no SYN within %1 ms").arg(SynWaitMs));
    }
}

void TtcpClient::fail(const QString& code, const QString& detail)
{
    m_synPoll.stop();
    m_punch.stop();
    Q_EMIT failed(code, detail);
}

} // namespace pvc::core

// Moc output compiled here rather than in the library's shared mocs_compilation.cpp, so that a binary
// that uses one class of this module does not pull in the others (and their libraries).
#include "moc_ttcpclient.cpp"
