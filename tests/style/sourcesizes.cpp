// The size rules of issue 9 and STYLE.md, checked on every run: no function body over 60 lines and no
// source file over 600 lines outside tests/. Functions are found the way clang-format (WebKit style)
// lays them out: a body opens with "{" alone in column 0 and closes with "}" alone in column 0.
// Usage: pvc-sourcesizes SOURCE_DIR; prints each violation and exits 1 if there is any.
#include <QCoreApplication>
#include <QDirIterator>
#include <QFile>
#include <QRegularExpression>
#include <QTextStream>

namespace {
constexpr int MaxFunctionLines = 60;
constexpr int MaxFileLines = 600;
const QStringList Folders { QStringLiteral("core"), QStringLiteral("broker"), QStringLiteral("helper"),
    QStringLiteral("app") };

// The line naming the function: the nearest line above the body with an identifier followed by "(".
QString signatureAbove(const QStringList& lines, qsizetype brace)
{
    static const QRegularExpression call(QStringLiteral("\\w\\s*\\("));
    for (qsizetype i = brace - 1; i >= 0 && i >= brace - 8; --i)
        if (call.match(lines[i]).hasMatch())
            return lines[i].trimmed();
    return QStringLiteral("(unnamed)");
}

int checkFile(const QString& path, const QString& shown, QTextStream& out)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return 0;
    const QStringList lines = QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'));
    int violations = 0;
    if (lines.size() > MaxFileLines) {
        out << shown << ": " << lines.size() << " lines (split it past " << MaxFileLines << ")\n";
        ++violations;
    }
    for (qsizetype i = 0; i < lines.size(); ++i) {
        if (lines[i] != QLatin1String("{"))
            continue;
        qsizetype end = i + 1;
        while (end < lines.size() && lines[end] != QLatin1String("}"))
            ++end;
        const qsizetype length = end - i + 1;
        if (length > MaxFunctionLines) {
            out << shown << ':' << (i + 1) << ": " << length << "-line function " << signatureAbove(lines, i) << '\n';
            ++violations;
        }
        i = end;
    }
    return violations;
}
} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QTextStream out(stdout);
    if (argc != 2 || QString::fromLocal8Bit(argv[1]) == QLatin1String("--help")) {
        out << "Usage: pvc-sourcesizes SOURCE_DIR\nFails when a function in core/, broker/, helper/ or app/ has more "
               "than 60 lines or a file more than 600.\n";
        return argc == 2 ? 0 : 2;
    }
    const QString root = QString::fromLocal8Bit(argv[1]);
    int violations = 0;
    int files = 0;
    for (const QString& folder : Folders) {
        QDirIterator it(root + QLatin1Char('/') + folder, { QStringLiteral("*.cpp"), QStringLiteral("*.h") },
            QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString path = it.next();
            violations += checkFile(path, path.mid(root.size() + 1), out);
            ++files;
        }
    }
    out << "sourcesizes: " << files << " files, " << violations << " over the limits\n";
    return violations == 0 && files > 0 ? 0 : 1;
}
