#include "statuspage.h"

#include "controlconnection.h"
#include "errortext.h"
#include "statetext.h"

#include <QDateTime>
#include <QFormLayout>
#include <QGroupBox>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QTableWidget>
#include <QVBoxLayout>

namespace pvc::app {

namespace {
constexpr int MaxBrokerRows = 6;
constexpr int MaxPeerRows = 10;

QString field(const QJsonObject& o, const char* key)
{
    return o.value(QLatin1String(key)).toString();
}

QTableWidget* makeTable(const QStringList& headers, QWidget* parent)
{
    auto* table = new QTableWidget(0, int(headers.size()), parent);
    table->setHorizontalHeaderLabels(headers);
    table->verticalHeader()->hide();
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setAlternatingRowColors(true);
    table->setShowGrid(false);
    table->setWordWrap(false);
    table->horizontalHeader()->setHighlightSections(false);
    table->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    for (int column = 0; column < headers.size() - 1; ++column)
        table->horizontalHeader()->setSectionResizeMode(column, QHeaderView::ResizeToContents);
    table->horizontalHeader()->setStretchLastSection(true);
    table->verticalHeader()->setDefaultSectionSize(table->fontMetrics().height() + 10);
    table->setVerticalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    return table;
}

// Tables as tall as their rows (at least one, at most `maxRows`), so no empty band is left below them.
void fitHeight(QTableWidget* table, int maxRows)
{
    const int rows = qBound(1, table->rowCount(), maxRows);
    table->setFixedHeight(table->horizontalHeader()->sizeHint().height() + 2 * table->frameWidth()
        + rows * table->verticalHeader()->defaultSectionSize());
}

void setRow(QTableWidget* table, int row, const QStringList& cells)
{
    for (int column = 0; column < cells.size(); ++column) {
        QTableWidgetItem* item = table->item(row, column);
        if (!item) {
            item = new QTableWidgetItem;
            table->setItem(row, column, item);
        }
        item->setText(cells.at(column));
    }
}

QLabel* valueLabel(QWidget* parent)
{
    auto* label = new QLabel(parent);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setWordWrap(true);
    return label;
}
} // namespace

StatusPage::StatusPage(ControlConnection* connection, QWidget* parent)
    : QWidget(parent)
    , m_connection(connection)
{
    m_state = valueLabel(this);
    m_state->setObjectName(QStringLiteral("stateLabel"));
    m_name = valueLabel(this);
    m_address = valueLabel(this);
    m_address->setObjectName(QStringLiteral("virtualIpLabel"));
    m_project = valueLabel(this);
    m_certificate = valueLabel(this);
    m_certificate->setObjectName(QStringLiteral("certificateLabel"));
    m_computing = valueLabel(this);
    m_worker = valueLabel(this);
    m_worker->setObjectName(QStringLiteral("workerLabel"));
    m_errorTitle = new QLabel(tr("Last error:"), this);
    m_error = valueLabel(this);
    m_error->setStyleSheet(QStringLiteral("color: #b91c1c;"));

    auto* machine = new QGroupBox(tr("This computer"), this);
    auto* form = new QFormLayout(machine);
    form->addRow(tr("State:"), m_state);
    form->addRow(tr("Name:"), m_name);
    form->addRow(tr("Virtual IP address:"), m_address);
    form->addRow(tr("Project:"), m_project);
    form->addRow(tr("Membership valid until:"), m_certificate);
    form->addRow(tr("Computing:"), m_computing);
    form->addRow(tr("Worker:"), m_worker);
    form->addRow(m_errorTitle, m_error);

    m_brokers = makeTable({ tr("Broker"), tr("Connection"), tr("Sees this computer at") }, this);
    m_brokers->setObjectName(QStringLiteral("brokersTable"));
    auto* brokers = new QGroupBox(tr("Brokers"), this);
    m_brokersGroup = brokers;
    auto* brokersLayout = new QVBoxLayout(brokers);
    brokersLayout->addWidget(m_brokers);

    m_peers = makeTable({ tr("Member"), tr("Virtual IP address"), tr("Status"), tr("Path"), tr("Round trip") }, this);
    m_peers->setObjectName(QStringLiteral("peersTable"));
    m_peers->setSortingEnabled(false);
    m_noPeers = new QLabel(tr("No other member is known yet."), this);
    m_noPeers->setAlignment(Qt::AlignCenter);
    m_noPeers->setEnabled(false);
    auto* peers = new QGroupBox(tr("Other members"), this);
    auto* peersLayout = new QVBoxLayout(peers);
    peersLayout->addWidget(m_peers);
    peersLayout->addWidget(m_noPeers);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(machine);
    layout->addWidget(brokers);
    layout->addWidget(peers);
    layout->addStretch(1);

    connect(connection, &ControlConnection::statusChanged, this, &StatusPage::handleStatus);
    connect(connection, &ControlConnection::peersChanged, this, &StatusPage::handlePeers);
    connect(connection, &ControlConnection::disconnected, this, &StatusPage::handleDisconnected);
    handleStatus(connection->status());
    handlePeers(connection->peers());
}

void StatusPage::handleStatus(const QJsonObject& status)
{
    if (status.isEmpty()) {
        clear(m_connection->isConnected() ? tr("Waiting for pvcd") : tr("pvcd is not running"));
        return;
    }
    const QString dash = QStringLiteral("\u2014");
    m_state->setText(StateText::membership(status));
    m_name->setText(field(status, "name").isEmpty() ? dash : field(status, "name"));
    m_address->setText(field(status, "virtual_ip").isEmpty() ? dash : field(status, "virtual_ip"));
    const QJsonObject project = status.value(QLatin1String("project")).toObject();
    m_project->setText(tr("%1 (network %2, domain %3)")
                           .arg(field(project, "name"), field(project, "network"), field(project, "domain")));
    m_certificate->setText(certificateText(status));
    const QString computing = StateText::computing(status);
    m_computing->setText(computing.isEmpty() ? tr("not available from this pvcd") : computing);
    m_computing->setEnabled(!computing.isEmpty());
    const QString worker = StateText::worker(status);
    m_worker->setText(worker.isEmpty() ? tr("not available from this pvcd") : worker);
    m_worker->setEnabled(!worker.isEmpty());
    const QJsonObject error = status.value(QLatin1String("error")).toObject();
    m_error->setText(error.isEmpty() ? QString() : errorText(field(error, "code"), field(error, "detail")));
    m_error->setVisible(!error.isEmpty());
    m_errorTitle->setVisible(!error.isEmpty());

    const QJsonArray brokers = status.value(QLatin1String("brokers")).toArray();
    m_brokers->setRowCount(int(brokers.size()));
    for (int row = 0; row < brokers.size(); ++row) {
        const QJsonObject broker = brokers.at(row).toObject();
        const bool up = broker.value(QLatin1String("connected")).toBool();
        QString seen = field(broker, "observed_udp");
        if (seen.isEmpty())
            seen = field(broker, "observed_tcp");
        QString connection = up ? tr("Connected") : tr("Not connected");
        if (!up && !field(broker, "error").isEmpty())
            connection = tr("Not connected (%1)").arg(field(broker, "error"));
        setRow(m_brokers, row, { field(broker, "address"), connection, seen.isEmpty() ? dash : seen });
    }
    fitHeight(m_brokers, MaxBrokerRows);
    m_brokersGroup->setVisible(!brokers.isEmpty());
}

// The certificate's end, when pvcd renews it, and a renewal's error.
QString StatusPage::certificateText(const QJsonObject& status)
{
    const QDateTime expires = QDateTime::fromString(field(status, "certificate_expires"), Qt::ISODate);
    if (!expires.isValid())
        return QStringLiteral("\u2014");
    const QLocale locale;
    const QJsonObject renewal = status.value(QLatin1String("certificate_renewal")).toObject();
    const QDateTime due = QDateTime::fromString(field(renewal, "due"), Qt::ISODate);
    QString text = locale.toString(expires.toLocalTime(), QLocale::ShortFormat);
    if (due.isValid())
        text = tr("%1 (renewed automatically from %2)")
                   .arg(text, locale.toString(due.toLocalTime(), QLocale::ShortFormat));
    const QJsonObject error = renewal.value(QLatin1String("error")).toObject();
    if (!error.isEmpty())
        text += QLatin1Char('\n')
            + tr("Renewal not done yet: %1").arg(errorText(field(error, "code"), field(error, "detail")));
    return text;
}

void StatusPage::handlePeers(const QJsonArray& peers)
{
    m_peers->setRowCount(int(peers.size()));
    for (int row = 0; row < peers.size(); ++row) {
        const QJsonObject peer = peers.at(row).toObject();
        const double rtt = peer.value(QLatin1String("rtt_ms")).toDouble(-1);
        QString status = StateText::peerStatus(field(peer, "status"));
        if (!field(peer, "error").isEmpty())
            status = tr("%1 (%2)").arg(status, field(peer, "error"));
        const bool authenticated = field(peer, "status") == QLatin1String("authenticated");
        setRow(m_peers, row,
            { field(peer, "name"), field(peer, "virtual_ip"), status,
                authenticated ? StateText::path(field(peer, "path"), field(peer, "technique"))
                              : QStringLiteral("\u2014"),
                rtt >= 0 ? tr("%1 ms").arg(QLocale().toString(rtt, 'f', 1)) : QStringLiteral("\u2014") });
    }
    fitHeight(m_peers, MaxPeerRows);
    m_peers->setVisible(!peers.isEmpty());
    m_noPeers->setVisible(peers.isEmpty());
}

void StatusPage::handleDisconnected()
{
    clear(tr("pvcd is not running"));
    handlePeers({});
}

// Nothing is known: say why, and show dashes rather than empty or stale values.
void StatusPage::clear(const QString& state)
{
    const QString dash = QStringLiteral("\u2014");
    m_state->setText(state);
    for (QLabel* label : { m_name, m_address, m_project, m_computing, m_worker })
        label->setText(dash);
    m_error->hide();
    m_errorTitle->hide();
    m_brokers->setRowCount(0);
    m_brokersGroup->hide(); // pvcd knows the brokers; without it there is nothing true to list
}

} // namespace pvc::app
