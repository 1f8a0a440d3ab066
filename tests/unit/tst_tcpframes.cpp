// TcpFrameReader (core/tunnel/tcpframes.h): tunnel datagrams framed on a direct TCP connection.
#include "tunnel/tcpframes.h"

#include <QTest>

using pvc::core::TcpFrameReader;

class TstTcpFrames : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void framesSplitAnywhereComeOutWhole()
    {
        const QList<QByteArray> datagrams { QByteArray(1, 'a'), QByteArray(1400, 'b'),
            QByteArray(TcpFrameReader::MaxFrameBytes, 'c') };
        QByteArray stream;
        for (const QByteArray& datagram : datagrams)
            stream += TcpFrameReader::frame(datagram);
        for (qsizetype step : { qsizetype(1), qsizetype(2), qsizetype(3), qsizetype(700), stream.size() }) {
            TcpFrameReader reader;
            QList<QByteArray> out;
            for (qsizetype offset = 0; offset < stream.size(); offset += step)
                out += reader.feed(stream.mid(offset, step));
            QCOMPARE(out, datagrams);
            QVERIFY(!reader.failed());
            QCOMPARE(reader.pending(), 0);
        }
    }

    void oversizeAndEmptyFramesAreErrors()
    {
        for (const QByteArray& header :
            { QByteArray("\x08\x01", 2), QByteArray("\x00\x00", 2), QByteArray("\xff\xff", 2) }) {
            TcpFrameReader reader;
            const QList<QByteArray> out = reader.feed(TcpFrameReader::frame("ok") + header + QByteArray(10, 'x'));
            QCOMPARE(out, QList<QByteArray> { QByteArray("ok") }); // what came before the bad frame is kept
            QVERIFY(reader.failed());
            QVERIFY(reader.feed(TcpFrameReader::frame("later")).isEmpty());
        }
        QVERIFY(TcpFrameReader::frame(QByteArray(TcpFrameReader::MaxFrameBytes + 1, 'x')).isEmpty());
        QVERIFY(TcpFrameReader::frame(QByteArray()).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TstTcpFrames)
#include "tst_tcpframes.moc"
