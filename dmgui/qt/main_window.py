"""The main window: composes the VM list, details, plots, Actions pane and event log.

The layout follows Hyper-V Manager: the VM list is the main view (ten full rows at the
default 1280×860), the details area under it has tabs along its bottom edge —
"Memory" (the selected VM's memory and a host summary) and "Plots" (the live plots of
:class:`~dmgui.qt.plot_panel.PlotPanel`, shown on first run; View → Plots, Ctrl+2) —
and the Actions pane runs down the right. The event log is a dock along the bottom.
Window size, dock state, splitter sizes and the details tab are remembered
(QSettings). The VM list re-sorts by the rule of
:class:`~dmgui.qt.vm_sort_proxy.VmSortProxy`. Several VMs may be selected
(Ctrl/Shift-click): the power actions act on each of them, the other actions, the
details and the plots on the current one (:meth:`MainWindow.selected_vm`).

It wires widgets to the shared actions and to the engine controller; what each action
does to the scenario lives in :mod:`dmgui.qt.window_commands`, the run and plot exports
in :mod:`dmgui.qt.gui_exports`, and what a file dropped on the window does in
:mod:`dmgui.qt.file_drop`.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import (
    QByteArray,
    QItemSelection,
    QItemSelectionModel,
    QSettings,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QFrame,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMenu,
    QScrollArea,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from dmgui.core.document import ScenarioDocument
from dmgui.core.model.states import VmState, holds_memory
from dmgui.core.sim.frame import Frame
from dmgui.qt.actions import AppActions
from dmgui.qt.actions_pane import ActionsPane
from dmgui.qt.details_pane import DetailsPane
from dmgui.qt.engine_worker import EngineController
from dmgui.qt.event_log import EventLogView
from dmgui.qt.file_drop import accept_files, open_files
from dmgui.qt.gui_exports import GuiExports
from dmgui.qt.help_window import HelpActions
from dmgui.qt.plain_text import window_title_text
from dmgui.qt.plot_panel import PlotPanel
from dmgui.qt.resources import app_icon
from dmgui.qt.sim_toolbar import SimToolbar
from dmgui.qt.vm_sort_proxy import VmSortProxy
from dmgui.qt.vm_table_model import VmTableModel
from dmgui.qt.window_commands import WindowCommands

# The details area under the VM list, in tab order.
MEMORY_TAB, PLOTS_TAB = range(2)
DETAILS_TAB_NAMES = ("Memory", "Plots")
LIST_ROWS = 10  # full rows of the VM list at the default window size
EVENT_LOG_HEIGHT = 110
DETAILS_MIN_HEIGHT = 300  # the plots stay readable in a short window
# saveState() version: a state saved by an older layout is not restored.
STATE_VERSION = 2


class MainWindow(QMainWindow):
    """Hyper-V Manager-like window over one scenario document and its engine."""

    #: A frame was shown (list, plots, details): for views that follow the VMs'
    #: states, such as the Host Settings dialog's version lock.
    frame_shown = Signal(object)

    def __init__(self, document: ScenarioDocument, engine: EngineController,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.engine = engine
        self.last_frame: Frame | None = None
        self.running = False
        self.remember_geometry = True  # scripted runs (screenshots) turn this off
        self._average_pressure = float("nan")
        self.setWindowIcon(app_icon())
        self.app_actions = AppActions(self)
        self.model = VmTableModel(document.scenario, self)
        self._build_widgets()
        self._build_menus()
        self.commands = WindowCommands(self)
        self.exports = GuiExports(self)  # Export Run as CSV, Export Plot
        self._wire()
        self.setAcceptDrops(True)  # files dropped on the window: Open or Import
        self.update_title()
        self._on_selection_changed()
        self.app_actions.update_running(False)
        self.status_label.setText("Paused")
        self._restore_geometry()

    # -- construction ----------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.proxy = VmSortProxy(parent=self)
        self.proxy.setSourceModel(self.model)
        self.table = _vm_table(self.proxy)
        self.proxy.set_view(self.table)
        self.details = DetailsPane()
        self.plots = PlotPanel()
        self.plots.set_scenario(self.document.scenario)
        self.details_tabs = _details_tabs(self.details, self.plots)
        self.actions_pane = ActionsPane(self.app_actions.host_actions(), self.app_actions.vm_actions())
        self.actions_pane.set_host_name(self.document.scenario.host.name)
        self.toolbar = SimToolbar(self.app_actions.run, self.app_actions.pause, self.app_actions.reset)
        self.addToolBar(self.toolbar)
        self.event_log = EventLogView()
        dock = QDockWidget("Event log", self)
        dock.setObjectName("eventLogDock")
        dock.setWidget(self.event_log)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        self.event_dock = dock
        self.list_box = _titled("Virtual Machines", self.table)
        center = QSplitter(Qt.Orientation.Vertical)
        center.setObjectName("centerSplitter")
        center.addWidget(self.list_box)
        center.addWidget(self.details_tabs)
        center.setCollapsible(0, False)
        center.setStretchFactor(0, 0)  # a taller window gives the room to the details
        center.setStretchFactor(1, 1)
        self.center_splitter = center
        outer = QSplitter(Qt.Orientation.Horizontal)
        outer.setObjectName("outerSplitter")
        outer.addWidget(center)
        # As Hyper-V Manager's, the Actions pane scrolls in a short window instead of
        # setting the window's minimum height.
        actions_scroll = QScrollArea()
        actions_scroll.setObjectName("actionsScroll")
        actions_scroll.setWidget(self.actions_pane)
        actions_scroll.setWidgetResizable(True)
        actions_scroll.setFrameShape(QFrame.Shape.NoFrame)
        actions_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        actions_scroll.setMinimumWidth(self.actions_pane.minimumWidth())
        outer.addWidget(actions_scroll)
        outer.setStretchFactor(0, 1)
        outer.setStretchFactor(1, 0)
        self.outer_splitter = outer
        self.setCentralWidget(outer)
        self._first_run_state = self.saveState(STATE_VERSION)
        self.default_layout()
        self.status_label = QLabel()
        self.statusBar().addPermanentWidget(self.status_label)

    def _build_menus(self) -> None:
        a = self.app_actions
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        for action in (a.new_vm, a.open, a.save, a.save_as):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(a.import_hyperv)
        file_menu.addAction(a.export_powershell)
        file_menu.addAction(a.export_run)
        file_menu.addAction(a.export_plot)
        file_menu.addSeparator()
        file_menu.addAction(a.rename_scenario)
        file_menu.addSeparator()
        file_menu.addAction(a.quit)
        action_menu = bar.addMenu("&Action")
        _add_groups(action_menu, a.vm_action_groups())
        action_menu.addSeparator()
        action_menu.addAction(a.host_settings)
        action_menu.addAction(a.plan_capacity)
        action_menu.addAction(a.turn_off_all)
        sim_menu = bar.addMenu("&Simulation")
        for action in (a.run, a.pause, a.reset):
            sim_menu.addAction(action)
        view_menu = bar.addMenu("&View")
        self.view_actions = _tab_actions(self, self.details_tabs)
        for action in self.view_actions:
            view_menu.addAction(action)
        view_menu.addSeparator()
        view_menu.addAction(self.event_dock.toggleViewAction())
        view_menu.addAction(self.toolbar.toggleViewAction())
        help_menu = bar.addMenu("&Help")
        self.help_actions = HelpActions(self)  # The Model, What the Numbers Mean (F1)
        self.help_actions.connect_plots(self.plots)
        help_menu.addActions(self.help_actions.actions())
        help_menu.addSeparator()
        help_menu.addAction(a.about)
        self.context_menu = QMenu(self)
        _add_groups(self.context_menu, a.vm_action_groups())

    def _wire(self) -> None:
        worker = self.engine.worker
        worker.frame_ready.connect(self._on_frame)
        worker.running_changed.connect(self._on_running_changed)
        worker.error_occurred.connect(self.commands.show_engine_error)
        selection = self.table.selectionModel()
        selection.selectionChanged.connect(self._on_selection_changed)
        selection.currentRowChanged.connect(self._on_selection_changed)  # the current VM
        self.table.customContextMenuRequested.connect(self._on_context_menu)
        self.table.doubleClicked.connect(lambda _index: self.app_actions.settings.trigger())
        self.toolbar.speed_changed.connect(self.engine.speed_requested)
        self.toolbar.window_changed.connect(self.plots.set_window)
        self.commands.connect_actions()
        self.exports.connect_actions()

    # -- state shown -----------------------------------------------------------------

    def update_title(self) -> None:
        """'<scenario name>[*] — dmgui' with Qt's unsaved-changes mark."""
        name = window_title_text(self.document.display_name)
        self.setWindowTitle(f"{name}[*] — dmgui")
        self.setWindowModified(self.document.dirty)

    def selected_vm(self) -> str | None:
        """The current VM: the one Settings, Delete, Clone, the details and the plots
        are about. It is the selected VM that has the keyboard focus (the last one
        clicked), else the first selected in the list's order; None if none is
        selected."""
        selection = self.table.selectionModel()
        current = selection.currentIndex()
        if current.isValid() and selection.isRowSelected(current.row()):
            return self._name_of(current)
        rows = sorted(selection.selectedRows(), key=lambda i: i.row())
        return self._name_of(rows[0]) if rows else None

    def selected_vms(self) -> list[str]:
        """Every selected VM, top to bottom as the list shows them."""
        rows = sorted(self.table.selectionModel().selectedRows(), key=lambda i: i.row())
        return [self._name_of(index) for index in rows]

    def _name_of(self, view_index) -> str:
        return self.model.name_at(self.proxy.mapToSource(view_index).row())

    def select_vm(self, name: str) -> None:
        """Select only ``name`` in the list, make it current, and scroll to it."""
        self.select_vms([name])

    def select_vms(self, names: list[str], current: str | None = None) -> None:
        """Select exactly the VMs ``names`` that exist (others are skipped); the
        current VM is ``current`` if it is one of them, else the first."""
        indexes = {n: self._view_index(n) for n in names if self.model.row_of(n) >= 0}
        if not indexes:
            return
        chosen = QItemSelection()
        for index in indexes.values():
            chosen.select(index, index)
        flags = QItemSelectionModel.SelectionFlag
        selection = self.table.selectionModel()
        selection.select(chosen, flags.ClearAndSelect | flags.Rows)
        focus = indexes.get(current) or next(iter(indexes.values()))
        selection.setCurrentIndex(focus, flags.NoUpdate)
        self.table.scrollTo(focus)

    def _view_index(self, name: str):
        return self.proxy.mapFromSource(self.model.index(self.model.row_of(name), 0))

    def show_scenario(self, scenario) -> None:
        """Show another (or an edited) scenario's VMs.

        The selection follows the VMs by name: the selected VMs the new scenario
        still has stay selected, and the current one stays current; if none is
        left, the VM now at the current one's row is selected.
        """
        name = self.selected_vm()
        names = self.selected_vms()
        current = self.table.selectionModel().currentIndex()
        view_row = current.row() if name is not None and current.isValid() else -1
        self.model.set_scenario(scenario)
        self.plots.set_scenario(scenario)
        if self.selected_vms() != names or self.selected_vm() != name:
            kept = [n for n in names if self.model.row_of(n) >= 0]
            if kept:
                self.select_vms(kept, name)
            elif self.proxy.rowCount() and view_row >= 0:
                row = min(view_row, self.proxy.rowCount() - 1)
                self.select_vm(self._name_of(self.proxy.index(row, 0)))
        self._on_selection_changed()

    def show_plots(self) -> None:
        """Show the plots of the selected VM (the "Plots" details tab)."""
        self.details_tabs.setCurrentIndex(PLOTS_TAB)

    def show_memory_details(self) -> None:
        """Show the selected VM's Memory details and the host summary."""
        self.details_tabs.setCurrentIndex(MEMORY_TAB)

    def forget_live_values(self) -> None:
        """After a reset: nothing runs, no pressure is known."""
        self._average_pressure = float("nan")

    @Slot(object)
    def _on_frame(self, frame: Frame) -> None:
        self.last_frame = frame
        if self.selected_vm() is None and self.model.rowCount():
            # As Hyper-V Manager, start with a VM selected (the top one).
            self.select_vm(self._name_of(self.proxy.index(0, 0)))
        self.model.update_frame(frame)
        self.plots.add_frame(frame)
        self.toolbar.set_time(frame.sim_time)
        self.commands.handle_events(frame.block.events)
        self._refresh_details()
        self.frame_shown.emit(frame)
        self.engine.frame_consumed.emit()

    @Slot(bool)
    def _on_running_changed(self, running: bool) -> None:
        self.running = running
        self.app_actions.update_running(running)
        self.status_label.setText("Running" if running else "Paused")

    @Slot()
    def _on_selection_changed(self, *_args) -> None:
        name = self.selected_vm()
        self.actions_pane.set_vm_name(name, len(self.selected_vms()))
        self.plots.set_selected_vm(name)
        self._refresh_details()

    def _refresh_details(self) -> None:
        name = self.selected_vm()
        live = self.model.live(name) if name else None
        self.app_actions.update_for([self.model.live(n).state for n in self.selected_vms()],
                                    None if live is None else live.state)
        settings = self.commands.current_settings(name) if name else None
        self.details.show_vm(settings, live, name)
        self._refresh_host()

    def _refresh_host(self) -> None:
        host = self.document.scenario.host
        frame = self.last_frame
        if frame is None:
            self.details.show_host(host, 0.0, host.vm_pool_mb, float("nan"), 0, 0)
            return
        now = frame.current()
        self.app_actions.update_host(bool((now.state != VmState.OFF).any()))
        active = holds_memory(now.state)  # Saved and waiting VMs cost no overhead
        running = int(active.sum())
        assigned = float(now.assigned.sum())
        overhead = sum(host.vm_overhead_for(s.startup_mb)
                       for s, on in zip(frame.settings, active.tolist()) if on)
        available = host.vm_pool_mb - overhead - assigned
        if len(frame.block):  # an empty frame (after an edit) keeps the last value
            self._average_pressure = float(frame.block.average_pressure[-1])
        pressure = self._average_pressure
        self.details.show_host(host, assigned, available,
                               pressure if pressure > 0 else np.nan, running, overhead)

    @Slot("QPoint")
    def _on_context_menu(self, pos) -> None:
        if self.table.indexAt(pos).isValid():
            self.context_menu.popup(self.table.viewport().mapToGlobal(pos))

    # -- dropped files (dmgui.qt.file_drop) ------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt API
        accept_files(event)  # the copy cursor for local files only

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 - Qt API
        accept_files(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt API
        paths = accept_files(event)
        if paths:  # after the drop returns: the source is not held by our questions
            QTimer.singleShot(0, self, lambda: open_files(self, paths))

    # -- window lifetime -------------------------------------------------------------

    def default_layout(self) -> None:
        """The window's first-run size and proportions (also used by screenshot runs).

        At 1280×860 the VM list shows ``LIST_ROWS`` full rows; the details area under
        it (plots, Memory details) takes the rest and any extra height.
        """
        self.restoreState(self._first_run_state, STATE_VERSION)
        self.resize(1280, 860)
        self.resizeDocks([self.event_dock], [EVENT_LOG_HEIGHT], Qt.Orientation.Vertical)
        list_height = self._list_height(LIST_ROWS)
        # The details take whatever the window has left (stretch factor 1).
        self.center_splitter.setSizes([list_height, DETAILS_MIN_HEIGHT])
        self.outer_splitter.setSizes([1060, 210])
        self.details_tabs.setCurrentIndex(PLOTS_TAB)

    def _list_height(self, rows: int) -> int:
        """Height of the titled VM list that shows ``rows`` full rows (plus 4 px)."""
        self.list_box.ensurePolished()  # style sheets and fonts apply to size hints
        title = self.list_box.layout().itemAt(0).widget()
        header = self.table.horizontalHeader()
        return (title.sizeHint().height() + header.sizeHint().height()
                + rows * self.table.verticalHeader().defaultSectionSize()
                + 2 * self.table.frameWidth() + 4)

    def _restore_geometry(self) -> None:
        settings = QSettings()
        geometry = settings.value("main_window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        state = settings.value("main_window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state, STATE_VERSION)  # an older layout's is ignored
        for key, splitter in (("main_window/center_splitter", self.center_splitter),
                              ("main_window/outer_splitter", self.outer_splitter)):
            sizes = settings.value(key)
            if isinstance(sizes, QByteArray):
                splitter.restoreState(sizes)
        tab = settings.value("main_window/details_tab")
        if isinstance(tab, str) and tab in DETAILS_TAB_NAMES:
            self.details_tabs.setCurrentIndex(DETAILS_TAB_NAMES.index(tab))

    def _save_geometry(self) -> None:
        settings = QSettings()
        settings.setValue("main_window/geometry", self.saveGeometry())
        settings.setValue("main_window/state", self.saveState(STATE_VERSION))
        for key, splitter in (("main_window/center_splitter", self.center_splitter),
                              ("main_window/outer_splitter", self.outer_splitter)):
            settings.setValue(key, splitter.saveState())
        settings.setValue("main_window/details_tab",
                          DETAILS_TAB_NAMES[self.details_tabs.currentIndex()])

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        if not self.commands.maybe_save():
            event.ignore()
            return
        dialog = self.commands.settings_dialog
        if dialog is not None and dialog.isVisible():
            dialog.reject()  # it must not outlive the window
        if self.remember_geometry:
            self._save_geometry()
        self.engine.shutdown()
        event.accept()


def _vm_table(model: QSortFilterProxyModel) -> QTableView:
    table = QTableView()
    table.setObjectName("vmTable")
    table.setModel(model)
    table.setSortingEnabled(True)
    table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    # Ctrl/Shift-click select several VMs: the power actions act on all of them.
    table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    table.setAlternatingRowColors(True)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(22)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(False)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    header.setMinimumSectionSize(70)  # names stay readable in a narrow window
    for col, width in enumerate((170, 90, 135, 135, 120, 100)):
        table.setColumnWidth(col, width)
    return table


def _details_tabs(details: DetailsPane, plots: PlotPanel) -> QTabWidget:
    """Hyper-V Manager's details area under the VM list: tabs along its bottom edge."""
    tabs = QTabWidget()
    tabs.setObjectName("detailsTabs")
    tabs.setTabPosition(QTabWidget.TabPosition.South)
    tabs.setDocumentMode(True)
    tabs.setMinimumHeight(DETAILS_MIN_HEIGHT)  # a short window shortens the list first
    memory_page = QWidget()  # the Memory and Host boxes at their natural height, on top
    layout = QVBoxLayout(memory_page)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(details)
    layout.addStretch(1)
    for widget, name in zip((memory_page, plots), DETAILS_TAB_NAMES):
        tabs.addTab(widget, name)
    tabs.setTabToolTip(PLOTS_TAB,
                       "The selected VM, the host and all VMs over time (Ctrl+2)")
    tabs.setTabToolTip(MEMORY_TAB,
                       "The selected VM's memory settings and the host (Ctrl+1)")
    return tabs


def _tab_actions(window: QMainWindow, tabs: QTabWidget) -> list[QAction]:
    """View-menu items that show a details tab (checked: the tab shown)."""
    group = QActionGroup(window)
    actions = []
    items = (("&Memory", "Ctrl+1"), ("&Plots", "Ctrl+2"))  # in tab order
    for index, (text, shortcut) in enumerate(items):
        action = QAction(text, window)
        action.setShortcut(QKeySequence(shortcut))
        action.setCheckable(True)
        action.setStatusTip(tabs.tabToolTip(index).split(" (")[0])
        action.triggered.connect(
            lambda _checked=False, i=index: tabs.setCurrentIndex(i))
        group.addAction(action)
        actions.append(action)

    def sync(index: int) -> None:
        if 0 <= index < len(actions):
            actions[index].setChecked(True)

    tabs.currentChanged.connect(sync)
    sync(tabs.currentIndex())
    return actions


def _add_groups(menu: QMenu, groups: list[list[QAction]]) -> None:
    """Add action groups to ``menu``, with a separator between groups."""
    for i, group in enumerate(groups):
        if i:
            menu.addSeparator()
        for action in group:
            menu.addAction(action)


def _titled(title: str, widget: QWidget) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    label = QLabel(title)
    label.setStyleSheet("QLabel { background: #dfe7f1; border-bottom: 1px solid #b7c4d6; "
                        "padding: 4px 6px; font-weight: bold; }")
    layout.addWidget(label)
    layout.addWidget(widget)
    return box
