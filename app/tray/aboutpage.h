#pragma once

#include <QWidget>

namespace pvc::app {

// The About tab: what pvc is, the versions in use and the licences of what it is built on.
class AboutPage : public QWidget {
    Q_OBJECT
public:
    AboutPage(const QString& controlPath, QWidget* parent = nullptr);
};

} // namespace pvc::app
