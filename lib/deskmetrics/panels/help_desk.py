"""Help Desk panels: the live picture a service manager watches during the day, and the help
desk's SLA, FCR, escalation, reopen and effort trends (metrics reference 1.3, 1.7, 2.3, 3, 4,
5.4).

The panels live in the ``help_desk_*`` modules; importing them here registers them, in the order
the tab shows them (so the imports are not sorted). Filters: owner (technician id), team,
channel, board and client, applied by ``PanelContext.where``.
"""

# isort: off
from deskmetrics.panels import help_desk_live  # noqa: F401
from deskmetrics.panels import help_desk_workload  # noqa: F401
from deskmetrics.panels import help_desk_sla  # noqa: F401
from deskmetrics.panels import help_desk_sla_trends  # noqa: F401
from deskmetrics.panels import help_desk_trends  # noqa: F401
from deskmetrics.panels import help_desk_quality  # noqa: F401
# isort: on
