#include "creditspage.h"

#include "controlconnection.h"
#include "creditsplot.h"
#include "errortext.h"
#include "ipc/controlcommands.h"

#include <QDateTime>
#include <QFrame>
#include <QGridLayout>
#include <QJsonArray>
#include <QLabel>
#include <QLocale>
#include <QTimer>
#include <QVBoxLayout>
#include <cmath>

namespace pvc::app {

namespace {
QString number(double value)
{
    return QLocale().toString(value, 'f', std::floor(value) == value ? 0 : 1);
}

// One figure in large type over its caption.
QLabel* addFigure(QGridLayout* grid, int column, const QString& caption, const QString& objectName, QWidget* parent)
{
    auto* value = new QLabel(QStringLiteral("\u2014"), parent);
    value->setObjectName(objectName);
    QFont font = value->font();
    font.setPointSizeF(font.pointSizeF() * 1.8);
    font.setBold(true);
    value->setFont(font);
    value->setAlignment(Qt::AlignCenter);
    auto* label = new QLabel(caption, parent);
    label->setAlignment(Qt::AlignCenter);
    label->setWordWrap(true);
    grid->addWidget(value, 0, column);
    grid->addWidget(label, 1, column);
    return value;
}
} // namespace

CreditsPage::CreditsPage(ControlConnection* connection, QWidget* parent)
    : QWidget(parent)
    , m_connection(connection)
    , m_timer(new QTimer(this))
{
    auto* figures = new QFrame(this);
    figures->setFrameShape(QFrame::StyledPanel);
    auto* grid = new QGridLayout(figures);
    grid->setVerticalSpacing(2);
    grid->setContentsMargins(12, 14, 12, 14);
    m_total = addFigure(grid, 0, tr("credits earned"), QStringLiteral("creditsTotal"), figures);
    m_average = addFigure(grid, 1, tr("credits per day, recent average"), QStringLiteral("creditsAverage"), figures);
    m_tasks = addFigure(grid, 2, tr("certified tasks"), QStringLiteral("creditsTasks"), figures);
    for (int column = 0; column < 3; ++column)
        grid->setColumnStretch(column, 1);

    m_plot = new CreditsPlot(this);
    m_plot->setObjectName(QStringLiteral("creditsPlot"));
    m_note = new QLabel(this);
    m_note->setObjectName(QStringLiteral("creditsNote"));
    m_note->setWordWrap(true);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(figures);
    layout->addWidget(new QLabel(tr("Credits per day:"), this));
    layout->addWidget(m_plot);
    layout->addWidget(m_note);
    layout->addStretch();

    m_timer->setInterval(RefreshIntervalMs);
    connect(m_timer, &QTimer::timeout, this, [this] {
        if (isVisible())
            load();
    });
    m_timer->start();
    connect(connection, &ControlConnection::connected, this, &CreditsPage::load);
    connect(connection, &ControlConnection::disconnected, this,
        [this] { setUnavailable(tr("pvcd is not running: the credits it holds cannot be shown.")); });
    setUnavailable(tr("Asking pvcd for the credits..."));
    if (connection->isConnected())
        load();
}

void CreditsPage::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    if (m_connection->isConnected())
        load();
}

void CreditsPage::load()
{
    m_connection->request(ipc::command::Credits, {}, this, [this](const ipc::ControlReply& reply) {
        if (reply.ok)
            apply(reply.result);
        else if (reply.errorCode == QLatin1String("control.unknown_command"))
            setUnavailable(tr("Credits are not available from this pvcd: it is older than pvc-tray."));
        else
            setUnavailable(errorText(reply.errorCode, reply.errorDetail));
    });
}

void CreditsPage::apply(const QJsonObject& credits)
{
    m_total->setText(number(credits.value(QLatin1String("total")).toDouble()));
    m_average->setText(number(credits.value(QLatin1String("daily_average")).toDouble()));
    m_tasks->setText(QLocale().toString(credits.value(QLatin1String("certified_tasks")).toInteger()));
    QList<CreditsPlot::Day> days;
    for (const QJsonValue& value : credits.value(QLatin1String("history")).toArray()) {
        const QJsonObject day = value.toObject();
        const QDate date = QDate::fromString(day.value(QLatin1String("date")).toString(), Qt::ISODate);
        if (date.isValid())
            days.append({ date, day.value(QLatin1String("credits")).toDouble() });
    }
    m_plot->setHistory(days);
    m_plot->setEmptyText(tr("No credits yet. The project grants credits for results it has certified, "
                            "once this computer has worked on its tasks."));
    QString note = tr("Credits come from the project's master, which grants them only for certified results.");
    const QDateTime issued = QDateTime::fromString(credits.value(QLatin1String("issued")).toString(), Qt::ISODate);
    if (issued.isValid())
        note += QLatin1Char(' ')
            + tr("Last statement signed by the master: %1.")
                  .arg(QLocale().toString(issued.toLocalTime(), QLocale::ShortFormat));
    if (const int refused = credits.value(QLatin1String("refused")).toInt(); refused > 0)
        note += QLatin1Char('\n')
            + tr("%n statement(s) claiming to come from the master were refused (forged, altered, for another "
                 "computer, or older than the one kept).",
                nullptr, refused);
    m_note->setText(note);
}

void CreditsPage::setUnavailable(const QString& why)
{
    const QString dash = QStringLiteral("\u2014");
    m_total->setText(dash);
    m_average->setText(dash);
    m_tasks->setText(dash);
    m_plot->setHistory({});
    m_plot->setEmptyText(why);
    m_note->clear();
}

} // namespace pvc::app
