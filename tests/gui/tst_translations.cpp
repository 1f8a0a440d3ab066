// Issue 5, check 4: French is complete. Every string of pvc-tray and app/common/errortext is in
// translations/pvc_en.ts and pvc_fr.ts, finished and not empty; the French ones keep the source's
// placeholders; and a French locale shows French in the main window and in the real binary.
#include "appicons.h"
#include "controlconnection.h"
#include "errortext.h"
#include "localization.h"
#include "mainwindow.h"
#include "projectinfo.h"

#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>

using pvc::app::ControlConnection;
using pvc::app::MainWindow;

namespace {

struct Message {
    QString context;
    QString source;
    QString comment;
    bool numerus = false;
    QString type; // the translation's type attribute: "", "unfinished", "vanished", "obsolete"
    QStringList translations; // one, or one per plural form
    QString key() const { return context + QLatin1Char('\x1f') + source + QLatin1Char('\x1f') + comment; }
};

QList<Message> readTs(const QString& path, QString* error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = file.errorString();
        return {};
    }
    QList<Message> messages;
    QXmlStreamReader xml(&file);
    QString context;
    Message message;
    while (!xml.atEnd()) {
        xml.readNext();
        if (!xml.isStartElement())
            continue;
        const auto name = xml.name();
        if (name == QLatin1String("name")) {
            context = xml.readElementText();
        } else if (name == QLatin1String("message")) {
            message = Message();
            message.context = context;
            message.numerus = xml.attributes().value(QLatin1String("numerus")) == QLatin1String("yes");
        } else if (name == QLatin1String("source")) {
            message.source = xml.readElementText();
        } else if (name == QLatin1String("comment")) {
            message.comment = xml.readElementText();
        } else if (name == QLatin1String("translation")) {
            message.type = xml.attributes().value(QLatin1String("type")).toString();
            if (!message.numerus)
                message.translations << xml.readElementText();
            else
                while (xml.readNextStartElement())
                    message.translations << xml.readElementText();
            messages << message;
        }
    }
    if (xml.hasError())
        *error = xml.errorString();
    return messages;
}

QSet<QString> placeholders(const QString& text)
{
    static const QRegularExpression pattern(QStringLiteral("%(\\d+|n)"));
    QSet<QString> found;
    for (auto it = pattern.globalMatch(text); it.hasNext();)
        found << it.next().captured();
    return found;
}

QString tsPath(const QString& language)
{
    return QStringLiteral(PVC_TRANSLATIONS_DIR "/pvc_%1.ts").arg(language);
}

} // namespace

class TstTranslations : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void everyEntryIsFinished_data();
    void everyEntryIsFinished();
    void everySourceStringIsTranslated();
    void frenchKeepsThePlaceholders();
    void frenchLocaleShowsFrenchInTheMainWindow();
    void systemLocaleChoosesTheLanguage();
};

void TstTranslations::initTestCase()
{
    pvc::app::initTrayResources();
}

void TstTranslations::cleanup()
{
    pvc::app::installTranslations(QLocale(QLocale::English));
}

void TstTranslations::everyEntryIsFinished_data()
{
    QTest::addColumn<QString>("language");
    QTest::newRow("en") << QStringLiteral("en");
    QTest::newRow("fr") << QStringLiteral("fr");
}

void TstTranslations::everyEntryIsFinished()
{
    QFETCH(QString, language);
    QString error;
    const QList<Message> messages = readTs(tsPath(language), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(messages.size() > 100);
    for (const Message& m : messages) {
        const QString where = QStringLiteral("%1: \"%2\"").arg(m.context, m.source);
        QVERIFY2(m.type.isEmpty(), qPrintable(QStringLiteral("%1 is %2").arg(where, m.type)));
        QVERIFY2(!m.translations.isEmpty(), qPrintable(where + QStringLiteral(" has no translation")));
        for (const QString& translation : m.translations)
            QVERIFY2(!translation.trimmed().isEmpty(), qPrintable(where + QStringLiteral(" has an empty translation")));
    }
}

// A string added to the code but not to the .ts files is caught here: lupdate runs again over the
// sources `update_translations` uses, into a scratch file.
void TstTranslations::everySourceStringIsTranslated()
{
    QFile list(QStringLiteral(PVC_TR_SOURCES_FILE));
    QVERIFY(list.open(QIODevice::ReadOnly));
    const QStringList sources = QString::fromUtf8(list.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QVERIFY(sources.size() > 10);
    QTemporaryDir dir;
    const QString scratch = dir.filePath(QStringLiteral("scratch_fr.ts"));
    QProcess lupdate;
    lupdate.start(QStringLiteral(PVC_LUPDATE), QStringList(sources) << QStringLiteral("-ts") << scratch);
    QVERIFY(lupdate.waitForFinished(60000));
    QVERIFY2(lupdate.exitCode() == 0, lupdate.readAllStandardError().constData());

    QString error;
    const QList<Message> wanted = readTs(scratch, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(wanted.size() > 100);
    for (const QString& language : { QStringLiteral("en"), QStringLiteral("fr") }) {
        QSet<QString> have;
        for (const Message& m : readTs(tsPath(language), &error))
            have << m.key();
        for (const Message& m : wanted)
            QVERIFY2(have.contains(m.key()),
                qPrintable(QStringLiteral("pvc_%1.ts lacks %2: \"%3\" (run `ninja update_translations`)")
                               .arg(language, m.context, m.source)));
    }
}

void TstTranslations::frenchKeepsThePlaceholders()
{
    QString error;
    for (const Message& m : readTs(tsPath(QStringLiteral("fr")), &error)) {
        QSet<QString> expected = placeholders(m.source);
        for (const QString& translation : m.translations) {
            QSet<QString> got = placeholders(translation);
            // A singular form may spell the number out ("une minute") instead of using %n.
            if (m.numerus && !got.contains(QStringLiteral("%n")))
                got << QStringLiteral("%n");
            QVERIFY2(got == expected,
                qPrintable(QStringLiteral("%1: \"%2\" -> \"%3\"").arg(m.context, m.source, translation)));
        }
    }
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TstTranslations::frenchLocaleShowsFrenchInTheMainWindow()
{
    QTemporaryDir dir;
    ControlConnection connection(dir.filePath(QStringLiteral("none.sock")), nullptr);
    const QStringList english { QStringLiteral("Status"), QStringLiteral("Computing"), QStringLiteral("Data"),
        QStringLiteral("Credits"), QStringLiteral("About") };
    const QStringList french { QStringLiteral("État"), QStringLiteral("Calcul"), QStringLiteral("Données"),
        QStringLiteral("Crédits"), QStringLiteral("À propos") };

    for (const auto& [language, titles] :
        { std::pair { QStringLiteral("en"), english }, std::pair { QStringLiteral("fr"), french } }) {
        QCOMPARE(pvc::app::installTranslations(QLocale(language)), language);
        MainWindow window(&connection, nullptr, pvc::app::ProjectInfo());
        window.show();
        auto* tabs = window.findChild<QTabWidget*>(QStringLiteral("mainTabs"));
        QStringList shown;
        for (int i = 0; i < tabs->count(); ++i)
            shown << tabs->tabText(i);
        QCOMPARE(shown, titles);
    }
    // The error texts the CLI and the tray share are French too.
    QVERIFY(pvc::app::errorText(QStringLiteral("enrol.token_expired"), {})
                .startsWith(QStringLiteral("Le jeton d'invitation a expiré.")));
}

// pvc-tray itself picks the language from the environment's locale.
void TstTranslations::systemLocaleChoosesTheLanguage()
{
    const QString binary = qEnvironmentVariable("PVC_BIN_DIR") + QStringLiteral("/pvc-tray");
    if (!QFile::exists(binary))
        QSKIP("pvc-tray is not built next to the tests");
    for (const auto& [locale, words] : { std::pair { "fr_FR.UTF-8", "Ne pas démarrer pvcd" },
             std::pair { "en_GB.UTF-8", "Do not start pvcd" }, std::pair { "de_DE.UTF-8", "Do not start pvcd" } }) {
        QProcess process;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("LC_ALL"), QString::fromLatin1(locale));
        env.insert(QStringLiteral("LANG"), QString::fromLatin1(locale));
        env.remove(QStringLiteral("LANGUAGE"));
        process.setProcessEnvironment(env);
        process.start(binary, { QStringLiteral("--help") });
        QVERIFY(process.waitForFinished(10000));
        const QString out = QString::fromUtf8(process.readAllStandardOutput());
        QVERIFY2(out.contains(QString::fromUtf8(words)),
            qPrintable(QStringLiteral("%1: %2").arg(QLatin1String(locale), out)));
    }
}

QTEST_MAIN(TstTranslations)
#include "tst_translations.moc"
