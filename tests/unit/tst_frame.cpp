#include "ipc/frame.h"

#include <QJsonArray>
#include <QTest>
#include <QtEndian>

using namespace pvc::ipc;

namespace {

// A frame whose body is written by hand, so that the tests can send what encodeFrame never would.
QByteArray rawFrame(const QByteArray& body)
{
    QByteArray frame(4, Qt::Uninitialized);
    qToBigEndian<quint32>(quint32(body.size()), frame.data());
    return frame + body;
}

QByteArray header(quint32 length)
{
    QByteArray bytes(4, Qt::Uninitialized);
    qToBigEndian<quint32>(length, bytes.data());
    return bytes;
}

} // namespace

class TestFrame : public QObject {
    Q_OBJECT

    // Feeds one hand-made body and expects the reader to refuse it with `code`.
    static void expectRefusal(const QByteArray& body, const char* code)
    {
        FrameReader reader;
        reader.append(rawFrame(body));
        QJsonObject message;
        QCOMPARE(reader.next(&message), FrameReader::Status::Error);
        QCOMPARE(reader.errorCode(), QString::fromLatin1(code));
        QVERIFY(!reader.errorDetail().isEmpty());
        QVERIFY(message.isEmpty());
    }

private Q_SLOTS:
    void roundTrip()
    {
        QJsonObject sent = makeMessage("hello");
        sent.insert(QStringLiteral("name"), QStringLiteral("alice"));
        sent.insert(QStringLiteral("ports"), QJsonArray { 1, 65535 });
        const QByteArray frame = encodeFrame(sent);
        QCOMPARE(qFromBigEndian<quint32>(frame.constData()), quint32(frame.size() - 4));

        FrameReader reader;
        reader.append(frame);
        QJsonObject received;
        QCOMPARE(reader.next(&received), FrameReader::Status::Frame);
        QCOMPARE(received, sent);
        QCOMPARE(messageType(received), QStringLiteral("hello"));
        QCOMPARE(received.value(QLatin1String("v")).toInt(), ProtocolVersion);
        QCOMPARE(reader.next(&received), FrameReader::Status::NeedMore);
        QCOMPARE(reader.room(), qint64(MaxFrameBytes) + 4);
    }

    void severalFramesInOneAppend()
    {
        QByteArray stream;
        for (int i = 0; i < 3; ++i) {
            QJsonObject message = makeMessage("tick");
            message.insert(QStringLiteral("n"), i);
            stream += encodeFrame(message);
        }
        FrameReader reader;
        reader.append(stream);
        for (int i = 0; i < 3; ++i) {
            QJsonObject message;
            QCOMPARE(reader.next(&message), FrameReader::Status::Frame);
            QCOMPARE(message.value(QLatin1String("n")).toInt(-1), i);
        }
        QJsonObject message;
        QCOMPARE(reader.next(&message), FrameReader::Status::NeedMore);
    }

    void frameSplitByteByByte()
    {
        QJsonObject sent = makeMessage("split");
        sent.insert(QStringLiteral("text"), QStringLiteral("gr\u00fc\u00dfe")); // multi-byte UTF-8 split too
        const QByteArray frame = encodeFrame(sent);

        FrameReader reader;
        QJsonObject received;
        for (qsizetype i = 0; i < frame.size() - 1; ++i) {
            reader.append(frame.mid(i, 1));
            QCOMPARE(reader.next(&received), FrameReader::Status::NeedMore);
        }
        reader.append(frame.right(1));
        QCOMPARE(reader.next(&received), FrameReader::Status::Frame);
        QCOMPARE(received, sent);
    }

    void oversizedLengthRefusedOnHeader()
    {
        FrameReader reader(1024);
        QJsonObject message;
        // Three header bytes are not enough to judge.
        reader.append(header(1025).left(3));
        QCOMPARE(reader.next(&message), FrameReader::Status::NeedMore);
        // The fourth byte completes the header: refused before any of the body arrives.
        reader.append(header(1025).right(1));
        QCOMPARE(reader.next(&message), FrameReader::Status::Error);
        QCOMPARE(reader.errorCode(), QStringLiteral("frame.too_large"));
        QCOMPARE(reader.room(), qint64(0));
    }

    void hugeDeclaredLengthRefused()
    {
        FrameReader reader;
        reader.append(header(0xFFFFFFFFu));
        QJsonObject message;
        QCOMPARE(reader.next(&message), FrameReader::Status::Error);
        QCOMPARE(reader.errorCode(), QStringLiteral("frame.too_large"));
    }

    void frameAtTheLimitAccepted()
    {
        // A body of exactly maxBytes is allowed; room() lets exactly that much in.
        QJsonObject sent = makeMessage("pad");
        const qsizetype overhead = encodeFrame(sent).size() - 4 + qsizetype(sizeof(",\"x\":\"\"")) - 1;
        sent.insert(QStringLiteral("x"), QString(100 - overhead, QLatin1Char('a')));
        const QByteArray frame = encodeFrame(sent);
        QCOMPARE(frame.size(), qsizetype(104));

        FrameReader reader(100);
        QCOMPARE(reader.room(), qint64(104));
        reader.append(frame);
        QCOMPARE(reader.room(), qint64(0));
        QJsonObject received;
        QCOMPARE(reader.next(&received), FrameReader::Status::Frame);
        QCOMPARE(received, sent);
    }

    void roomNeverExceedsLimit()
    {
        const quint32 max = 256;
        FrameReader reader(max);
        QJsonObject sent = makeMessage("fill");
        QByteArray stream;
        while (stream.size() < 4 * qsizetype(max))
            stream += encodeFrame(sent);

        // A caller that reads at most room() bytes at a time, draining between reads.
        qsizetype fed = 0;
        int frames = 0;
        while (fed < stream.size()) {
            const qint64 room = reader.room();
            QVERIFY(room > 0);
            QVERIFY(room <= qint64(max) + 4);
            const qsizetype chunk = qMin<qsizetype>(qsizetype(room), stream.size() - fed);
            reader.append(stream.mid(fed, chunk));
            fed += chunk;
            QVERIFY(reader.room() >= 0);
            QJsonObject received;
            while (reader.next(&received) == FrameReader::Status::Frame) {
                QCOMPARE(received, sent);
                ++frames;
            }
        }
        QCOMPARE(frames, int(stream.size() / encodeFrame(sent).size()));

        // Without draining, room() shrinks to zero exactly at max + 4 buffered bytes.
        FrameReader full(max);
        full.append(header(max));
        QCOMPARE(full.room(), qint64(max));
        full.append(QByteArray(int(max) - 1, ' '));
        QCOMPARE(full.room(), qint64(1));
        full.append(QByteArray(1, ' '));
        QCOMPARE(full.room(), qint64(0));
    }

    void badJsonRefused() { expectRefusal("{\"v\":1,\"t\":\"x\"", "frame.bad_json"); }
    void emptyBodyRefused() { expectRefusal(QByteArray(), "frame.bad_json"); }
    void arrayRefused() { expectRefusal("[{\"v\":1,\"t\":\"x\"}]", "frame.bad_json"); }
    void stringRefused() { expectRefusal("\"v\"", "frame.bad_json"); }
    void otherVersionRefused() { expectRefusal("{\"v\":2,\"t\":\"hello\"}", "frame.bad_version"); }
    void missingVersionRefused() { expectRefusal("{\"t\":\"hello\"}", "frame.bad_version"); }
    void fractionalVersionRefused() { expectRefusal("{\"v\":1.5,\"t\":\"hello\"}", "frame.bad_version"); }
    void missingTypeRefused() { expectRefusal("{\"v\":1}", "frame.no_type"); }
    void numericTypeRefused() { expectRefusal("{\"v\":1,\"t\":7}", "frame.no_type"); }

    void errorIsFinal()
    {
        FrameReader reader;
        reader.append(rawFrame("{\"v\":2,\"t\":\"hello\"}"));
        QJsonObject message;
        QCOMPARE(reader.next(&message), FrameReader::Status::Error);
        QCOMPARE(reader.errorCode(), QStringLiteral("frame.bad_version"));

        // A perfectly good frame afterwards does not revive the stream.
        reader.append(encodeFrame(makeMessage("hello")));
        QCOMPARE(reader.next(&message), FrameReader::Status::Error);
        QCOMPARE(reader.next(&message), FrameReader::Status::Error);
        QCOMPARE(reader.errorCode(), QStringLiteral("frame.bad_version"));
        QVERIFY(message.isEmpty());
        QCOMPARE(reader.room(), qint64(0));
    }

    void goodFrameBeforeBadOneIsDelivered()
    {
        FrameReader reader;
        reader.append(encodeFrame(makeMessage("first")) + rawFrame("not json"));
        QJsonObject message;
        QCOMPARE(reader.next(&message), FrameReader::Status::Frame);
        QCOMPARE(messageType(message), QStringLiteral("first"));
        QCOMPARE(reader.next(&message), FrameReader::Status::Error);
        QCOMPARE(reader.errorCode(), QStringLiteral("frame.bad_json"));
    }
};

QTEST_GUILESS_MAIN(TestFrame)
#include "tst_frame.moc"
