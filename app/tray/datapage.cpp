#include "datapage.h"

#include "controlconnection.h"

#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QLocale>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace pvc::app {

namespace {
enum Column { Name, State, Progress, Size, Down, Up, Peers, ColumnCount };

QString bytes(qint64 count)
{
    return QLocale().formattedDataSize(count, 1, QLocale::DataSizeSIFormat);
}

QString rate(qint64 bytesPerSecond)
{
    return bytesPerSecond > 0 ? DataPage::tr("%1/s").arg(bytes(bytesPerSecond)) : QString();
}

QString stateText(const QString& state)
{
    if (state == QLatin1String("seeding"))
        return DataPage::tr("Sharing");
    if (state == QLatin1String("downloading"))
        return DataPage::tr("Downloading");
    if (state == QLatin1String("paused"))
        return DataPage::tr("Paused");
    if (state == QLatin1String("checking"))
        return DataPage::tr("Checking");
    if (state == QLatin1String("finding") || state == QLatin1String("starting"))
        return DataPage::tr("Finding peers");
    return state;
}

qint64 integer(const QJsonObject& object, const char* key)
{
    return object.value(QLatin1String(key)).toInteger();
}
} // namespace

DataPage::DataPage(ControlConnection* connection, QWidget* parent)
    : QWidget(parent)
    , m_notice(new QLabel(this))
    , m_summary(new QLabel(this))
    , m_transfers(new QTreeWidget(this))
    , m_empty(new QLabel(this))
{
    m_notice->setObjectName(QStringLiteral("dataNotice"));
    m_notice->setWordWrap(true);
    m_notice->setFrameShape(QFrame::StyledPanel);
    m_notice->setMargin(8);
    m_summary->setObjectName(QStringLiteral("dataSummary"));
    m_summary->setWordWrap(true);
    m_transfers->setObjectName(QStringLiteral("dataTransfers"));
    m_transfers->setRootIsDecorated(false);
    m_transfers->setUniformRowHeights(true);
    m_transfers->setHeaderLabels(
        { tr("Name"), tr("State"), tr("Progress"), tr("Size"), tr("Down"), tr("Up"), tr("Peers") });
    m_transfers->header()->setStretchLastSection(false);
    m_transfers->header()->setMinimumSectionSize(fontMetrics().horizontalAdvance(QStringLiteral("000.0 MB/s")) + 12);
    m_transfers->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_transfers->header()->setSectionResizeMode(Name, QHeaderView::Stretch);
    m_empty->setObjectName(QStringLiteral("dataEmpty"));
    m_empty->setWordWrap(true);
    m_empty->setText(tr("Nothing fetched or published yet. The data the project's tasks need is fetched here "
                        "once, used by every task on this computer, and shared with the other members."));

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_notice);
    layout->addWidget(m_summary);
    layout->addWidget(m_transfers, 1);
    layout->addWidget(m_empty);
    layout->addStretch();

    connect(connection, &ControlConnection::statusChanged, this, &DataPage::handleStatus);
    handleStatus(connection->status());
}

void DataPage::handleStatus(const QJsonObject& status)
{
    const QJsonObject data = status.value(QLatin1String("data")).toObject();
    const bool known = status.contains(QLatin1String("data"));
    m_notice->setVisible(!known || !data.value(QLatin1String("seeding")).toBool(true));
    if (!known)
        m_notice->setText(status.isEmpty() ? tr("pvcd is not running: its transfers cannot be shown.")
                                           : tr("This pvcd reports no data transfers: it is older than pvc-tray, "
                                                "or this computer is not a member yet."));
    else
        m_notice->setText(tr("Computing is paused, and you chose not to share data meanwhile: the data fetched "
                             "here is not sent to other members until computing resumes."));
    const QJsonObject preferences
        = status.value(QLatin1String("computing")).toObject().value(QLatin1String("preferences")).toObject();
    m_summary->setText(known ? summary(data, preferences) : QString());
    m_summary->setVisible(known);
    showTransfers(data);
}

QString DataPage::summary(const QJsonObject& data, const QJsonObject& preferences) const
{
    const qint64 capBytes = integer(preferences, "cache_mb") * 1000 * 1000;
    const QString cache = capBytes > 0 ? tr("Cache: %1 of %2").arg(bytes(integer(data, "cache_bytes")), bytes(capBytes))
                                       : tr("Cache: %1").arg(bytes(integer(data, "cache_bytes")));
    QString text = tr("%1 \u00b7 sent %2 \u00b7 received %3")
                       .arg(cache, bytes(integer(data, "uploaded_bytes")), bytes(integer(data, "downloaded_bytes")));
    const int banned = data.value(QLatin1String("banned_peers")).toArray().size();
    if (banned > 0)
        text += QLatin1Char('\n') + tr("%n member(s) banned for sending corrupt data", nullptr, banned);
    if (!data.value(QLatin1String("listening")).toBool(true))
        text += QLatin1Char('\n') + tr("Not reachable by other members yet: waiting for the overlay address.");
    return text;
}

void DataPage::showTransfers(const QJsonObject& data)
{
    const QJsonArray transfers = data.value(QLatin1String("transfers")).toArray();
    // Rows are rebuilt in place: the selection and scroll position stay while the figures move.
    while (m_transfers->topLevelItemCount() > transfers.size())
        delete m_transfers->takeTopLevelItem(m_transfers->topLevelItemCount() - 1);
    for (int i = 0; i < transfers.size(); ++i) {
        const QJsonObject t = transfers.at(i).toObject();
        QTreeWidgetItem* item = m_transfers->topLevelItem(i);
        if (!item)
            item = new QTreeWidgetItem(m_transfers);
        const QString error = t.value(QLatin1String("error")).toString();
        item->setText(Name, t.value(QLatin1String("name")).toString());
        item->setToolTip(Name, t.value(QLatin1String("info_hash")).toString());
        const bool published = t.value(QLatin1String("published")).toBool();
        const QString state = t.value(QLatin1String("state")).toString();
        item->setText(State,
            !error.isEmpty()                                     ? tr("Error")
                : published && state == QLatin1String("seeding") ? tr("Published")
                                                                 : stateText(state));
        item->setToolTip(State, error);
        item->setText(Progress,
            QLocale().toString(t.value(QLatin1String("progress")).toDouble() * 100, 'f', 1) + QLatin1Char('%'));
        item->setText(Size, bytes(integer(t, "bytes_total")));
        item->setText(Down, rate(integer(t, "download_rate")));
        item->setText(Up, rate(integer(t, "upload_rate")));
        item->setText(Peers, QString::number(integer(t, "peers")));
        for (int column = Progress; column < ColumnCount; ++column)
            item->setTextAlignment(column, Qt::AlignRight | Qt::AlignVCenter);
    }
    m_transfers->setVisible(!transfers.isEmpty());
    m_empty->setVisible(transfers.isEmpty() && data.contains(QLatin1String("transfers")));
}

} // namespace pvc::app
