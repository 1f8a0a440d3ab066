#include "aboutpage.h"

#include "appicons.h"

#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QVBoxLayout>

namespace pvc::app {

AboutPage::AboutPage(const QString& controlPath, QWidget* parent)
    : QWidget(parent)
{
    auto* icon = new QLabel(this);
    icon->setPixmap(applicationIcon().pixmap(64, 64));
    auto* title = new QLabel(tr("pvc %1").arg(QStringLiteral(PVC_VERSION)), this);
    QFont titleFont = title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.6);
    titleFont.setBold(true);
    title->setFont(titleFont);
    auto* summary = new QLabel(tr("pvc joins this computer to a project's private virtual cluster, a desktop grid "
                                  "in which volunteers give their computers' spare time to research. It follows "
                                  "the paper \"Toward Third Generation Internet Desktop Grids\"."),
        this);
    summary->setWordWrap(true);
    auto* heading = new QVBoxLayout;
    heading->addWidget(title);
    heading->addWidget(summary);
    auto* top = new QHBoxLayout;
    top->addWidget(icon, 0, Qt::AlignTop);
    top->addSpacing(12);
    top->addLayout(heading, 1);

    auto* versions = new QGroupBox(tr("Versions"), this);
    auto* versionForm = new QFormLayout(versions);
    versionForm->addRow(tr("pvc-tray:"), new QLabel(QStringLiteral(PVC_VERSION), versions));
    versionForm->addRow(tr("Qt:"),
        new QLabel(
            tr("%1 (built with %2)").arg(QString::fromLatin1(qVersion()), QStringLiteral(QT_VERSION_STR)), versions));
    auto* socket = new QLabel(controlPath, versions);
    socket->setTextInteractionFlags(Qt::TextSelectableByMouse);
    socket->setWordWrap(true);
    versionForm->addRow(tr("pvcd's control socket:"), socket);

    auto* licences = new QGroupBox(tr("Licences"), this);
    auto* licenceText = new QLabel(tr("pvc-tray is built with Qt, used under the GNU Lesser General Public "
                                      "License version 3. pvcd, which this window controls, also uses "
                                      "OpenSSL (Apache License 2.0), libtorrent-rasterbar and miniupnpc "
                                      "(both under the BSD 3-clause licence). The icons were drawn for pvc."),
        licences);
    licenceText->setWordWrap(true);
    auto* aboutQt = new QPushButton(tr("About Qt"), licences);
    connect(aboutQt, &QPushButton::clicked, this, [this] { QMessageBox::aboutQt(this); });
    auto* licenceLayout = new QVBoxLayout(licences);
    licenceLayout->addWidget(licenceText);
    licenceLayout->addWidget(aboutQt, 0, Qt::AlignLeft);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addSpacing(8);
    layout->addWidget(versions);
    layout->addWidget(licences);
    layout->addStretch();
}

} // namespace pvc::app
