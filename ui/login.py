"""The login dialog. Checking the password is the `auth.login` operation, run by the database worker; the dialog
stays responsive. Failed logins are counted in the database (a growing delay, then a lock, shared by every console):
the dialog says how long to wait."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from console.ops import SYSTEM, Actor, LoginLocked, LoginRefused, LoginSettings, LoginThrottled

from .messages import describe_error
from .workers import DbWorker, JobResult, OpCall


class LoginDialog(QDialog):
    def __init__(
        self,
        worker: DbWorker,
        *,
        user: str = "",
        settings: LoginSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.worker = worker
        self.settings = settings or LoginSettings()
        self.actor: Actor | None = None
        self.setWindowTitle(self.tr("Log in — county dispatch console"))
        self.name = QLineEdit(user)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = QLabel()
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("User"), self.name)
        form.addRow(self.tr("Password"), self.password)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.try_login)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        (self.password if user else self.name).setFocus(Qt.FocusReason.OtherFocusReason)
        self.resize(360, 160)

    def try_login(self) -> None:
        name, password = self.name.text().strip(), self.password.text()
        if not name or not password:
            self.error.setText(self.tr("Enter your user name and password."))
            return
        self.buttons.setEnabled(False)

        def done(result: JobResult) -> None:
            self.buttons.setEnabled(True)
            if result.ok:
                self.actor = result.value
                self.accept()
                return
            self.error.setText(self.refusal_text(result.error))
            self.password.selectAll()

        arguments = {"name": name, "password": password, "settings": self.settings}
        self.worker.run(OpCall("auth.login", SYSTEM, arguments), done)

    def refusal_text(self, error: BaseException | None) -> str:
        if isinstance(error, LoginLocked):
            minutes = max(1, (error.retry_after_s + 59) // 60)
            return self.tr("Locked after too many failed logins. Try again in %n minute(s).", "", minutes)
        if isinstance(error, LoginThrottled):
            return self.tr("Too many failed logins. Try again in %n second(s).", "", error.retry_after_s)
        if isinstance(error, LoginRefused):
            return self.tr("Wrong user name or password.")
        return describe_error(error)
