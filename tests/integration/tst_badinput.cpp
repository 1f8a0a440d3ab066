// Issue 2, check 6: malformed, oversized and truncated frames sent to a broker and to pvcd's
// control socket are refused; both keep serving the others and lose nothing.
#include "ipc/frame.h"
#include "testgrid.h"

#include <QJsonDocument>
#include <QLocalSocket>
#include <QNetworkDatagram>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTest>
#include <QUdpSocket>
#include <QtEndian>

using pvc::test::TestGrid;

namespace {

QByteArray lengthPrefix(quint32 length)
{
    QByteArray bytes(4, Qt::Uninitialized);
    qToBigEndian(length, bytes.data());
    return bytes;
}

QByteArray rawFrame(const QByteArray& body)
{
    return lengthPrefix(quint32(body.size())) + body;
}

// Reads frames until the peer closes; returns the error codes it sent.
QStringList errorsUntilClosed(QIODevice* device, const std::function<bool()>& connected)
{
    QStringList codes;
    pvc::ipc::FrameReader reader;
    QDeadlineTimer deadline(8000);
    while (!deadline.hasExpired()) {
        device->waitForReadyRead(200);
        reader.append(device->readAll());
        QJsonObject message;
        while (reader.next(&message) == pvc::ipc::FrameReader::Status::Frame) {
            const QJsonObject error = message.value(QLatin1String("error")).toObject();
            codes << (error.isEmpty() ? message.value(QLatin1String("code")).toString()
                                      : error.value(QLatin1String("code")).toString());
        }
        if (!connected() && device->bytesAvailable() == 0)
            break;
    }
    return codes;
}

} // namespace

class TstBadInput : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void brokerRefusesBadFrames_data();
    void brokerRefusesBadFrames();
    void brokerSurvivesBadDatagramsAndPlainTcp();
    void controlSocketRefusesBadFrames_data();
    void controlSocketRefusesBadFrames();
    void everythingStillWorks();

private:
    void badFrameRows();
    bool pairAuthenticated();

    TestGrid* m_grid = nullptr;
};

void TstBadInput::initTestCase()
{
    m_grid = new TestGrid;
    QVERIFY(m_grid->startJoinedGrid(1, { QStringLiteral("alice"), QStringLiteral("bob") }));
    QVERIFY(TestGrid::waitFor([this] { return pairAuthenticated(); }, 15000));
}

void TstBadInput::cleanupTestCase()
{
    delete m_grid;
}

bool TstBadInput::pairAuthenticated()
{
    return m_grid->peer(QStringLiteral("alice"), QStringLiteral("bob")).value(QLatin1String("status")).toString()
        == QLatin1String("authenticated");
}

void TstBadInput::badFrameRows()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("code");
    QTest::newRow("oversized") << lengthPrefix(0x7fffffff) << "frame.too_large";
    QTest::newRow("just over the limit") << lengthPrefix(pvc::ipc::MaxFrameBytes + 1) << "frame.too_large";
    QTest::newRow("not json") << rawFrame("{not json at all") << "frame.bad_json";
    QTest::newRow("json array") << rawFrame("[1,2,3]") << "frame.bad_json";
    QTest::newRow("future version") << rawFrame(R"({"v":99,"t":"hello"})") << "frame.bad_version";
    QTest::newRow("no type") << rawFrame(R"({"v":1})") << "frame.no_type";
    QTest::newRow("truncated") << lengthPrefix(100) + QByteArray("{\"v\":1") << "";
}

void TstBadInput::brokerRefusesBadFrames_data()
{
    badFrameRows();
}

void TstBadInput::brokerRefusesBadFrames()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, code);
    QSslSocket socket;
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    config.setPeerVerifyMode(QSslSocket::VerifyNone);
    socket.setSslConfiguration(config);
    const auto address = m_grid->brokerAddresses().at(0).split(QLatin1Char(':'));
    socket.connectToHostEncrypted(address[0], address[1].toUShort());
    QVERIFY(socket.waitForEncrypted(5000));
    socket.write(bytes);
    if (code.isEmpty()) {
        // A frame that never completes is simply dropped with the connection.
        socket.flush();
        socket.waitForBytesWritten(1000);
        socket.disconnectFromHost();
        return;
    }
    const QStringList errors
        = errorsUntilClosed(&socket, [&] { return socket.state() == QAbstractSocket::ConnectedState; });
    QVERIFY2(errors.contains(code), qPrintable(errors.join(QLatin1Char(','))));
    QVERIFY(socket.state() != QAbstractSocket::ConnectedState);
}

void TstBadInput::brokerSurvivesBadDatagramsAndPlainTcp()
{
    const auto address = m_grid->brokerAddresses().at(0).split(QLatin1Char(':'));
    const QHostAddress host(address[0]);
    const quint16 port = address[1].toUShort();

    QUdpSocket udp;
    QVERIFY(udp.bind(QHostAddress::LocalHost, 0));
    udp.writeDatagram(QByteArray(2000, '\xff'), host, port);
    udp.writeDatagram(QByteArray("\x00\x01\x00\x08\x21\x12\xa4\x42short", 13), host, port);
    // A proper STUN Binding request still gets our own address back.
    QByteArray request = QByteArray::fromHex("000100002112a442") + QByteArray(12, '\x07');
    udp.writeDatagram(request, host, port);
    QVERIFY(udp.waitForReadyRead(3000));
    const QNetworkDatagram reply = udp.receiveDatagram();
    QCOMPARE(reply.data().left(2), QByteArray::fromHex("0101"));
    QCOMPARE(reply.data().mid(8, 12), QByteArray(12, '\x07'));

    // Plain TCP junk on the TLS port: the connection is dropped, the broker lives on.
    QTcpSocket plain;
    plain.connectToHost(host, port);
    QVERIFY(plain.waitForConnected(3000));
    plain.write(QByteArray(4096, 'x'));
    QVERIFY(plain.waitForDisconnected(15000) || plain.state() == QAbstractSocket::UnconnectedState);
}

void TstBadInput::controlSocketRefusesBadFrames_data()
{
    badFrameRows();
}

void TstBadInput::controlSocketRefusesBadFrames()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, code);
    QLocalSocket socket;
    socket.connectToServer(m_grid->controlPath(QStringLiteral("alice")));
    QVERIFY(socket.waitForConnected(3000));
    socket.write(bytes);
    socket.flush();
    if (code.isEmpty()) {
        socket.waitForBytesWritten(1000);
        socket.disconnectFromServer();
        return;
    }
    const QStringList errors
        = errorsUntilClosed(&socket, [&] { return socket.state() == QLocalSocket::ConnectedState; });
    QVERIFY2(errors.contains(code), qPrintable(errors.join(QLatin1Char(','))));
}

void TstBadInput::everythingStillWorks()
{
    // An unknown command gets a clear error and the connection stays usable for the next request.
    const auto unknown = m_grid->run(QStringLiteral("pvc"),
        { QStringLiteral("--control"), m_grid->controlPath(QStringLiteral("alice")), QStringLiteral("frobnicate") });
    QCOMPARE(unknown.exitCode, 1);

    QVERIFY(pairAuthenticated());
    QCOMPARE(m_grid->pvc(QStringLiteral("alice"), { QStringLiteral("ping"), QStringLiteral("bob") }).exitCode, 0);
    QCOMPARE(
        m_grid->status(QStringLiteral("alice")).value(QLatin1String("state")).toString(), QStringLiteral("member"));
    // The broker still admits new work: a third host joins through it.
    m_grid->startHost(QStringLiteral("carol"));
    QVERIFY(m_grid->join(QStringLiteral("carol"), m_grid->invite()));
    QVERIFY(TestGrid::waitFor(
        [this] {
            return m_grid->peer(QStringLiteral("carol"), QStringLiteral("alice"))
                       .value(QLatin1String("status"))
                       .toString()
                == QLatin1String("authenticated");
        },
        15000));
}

QTEST_GUILESS_MAIN(TstBadInput)
#include "tst_badinput.moc"
