"""Static reference lists for the demo data set: names, boards, categories, statuses, comments.

Everything here is fictional and hand-written so the generator stays deterministic and needs no
external data. The generator only indexes into these tuples; it never mutates them.
"""

from __future__ import annotations

from dataclasses import dataclass

# fmt: off
# (Hand-aligned tables: the formatter would put every name on its own line.)

# --- organisations and people -------------------------------------------------------------

COMPANY_PREFIXES: tuple[str, ...] = (
    "Ashford", "Blue Heron", "Bramble", "Brightwater", "Cedar Ridge", "Clearwater", "Copperline",
    "Driftwood", "Elmstead", "Evergreen", "Foxglove", "Granite Peak", "Harborview", "Hollowell",
    "Ironwood", "Juniper", "Kestrel", "Lakeshore", "Larkspur", "Maple Grove", "Meadowlark",
    "Northgate", "Oakmont", "Orchard Lane", "Pinecrest", "Quarry Hill", "Redfern", "Riverbend",
    "Saltmarsh", "Silver Birch", "Stonebridge", "Summitview", "Tidewater", "Thornbury", "Upland",
    "Valley Forge", "Westbrook", "Willowbrook", "Windmere", "Yellowpine", "Zephyr", "Amberfield",
    "Bellweather", "Cobblestone",
)

COMPANY_SECTORS: tuple[str, ...] = (
    "Dental", "Law Group", "Logistics", "Family Medicine", "Accounting", "Architects",
    "Credit Union", "Veterinary Clinic", "Realty", "Manufacturing", "Insurance Agency",
    "Engineering", "Physical Therapy", "Construction", "Community Foundation", "Academy",
    "Wealth Partners", "Brewing Co.", "Marine Supply", "Orthodontics", "Title & Escrow",
    "Landscaping", "Staffing", "Pharmacy",
)

FIRST_NAMES: tuple[str, ...] = (
    "Aaron", "Abigail", "Adrian", "Aisha", "Alex", "Amara", "Andre", "Anna", "Ben", "Bianca",
    "Caleb", "Camila", "Carlos", "Chloe", "Daniel", "Dana", "Devon", "Diana", "Elena", "Eli",
    "Emma", "Ethan", "Fatima", "Felix", "Gabriel", "Grace", "Hana", "Hector", "Ian", "Imani",
    "Isaac", "Jade", "James", "Jasmine", "Jonah", "Julia", "Kai", "Kara", "Leo", "Lena", "Liam",
    "Lucia", "Marcus", "Maya", "Mei", "Miguel", "Nadia", "Noah", "Olivia", "Omar", "Priya",
    "Quinn", "Rafael", "Rosa", "Samuel", "Sara", "Tariq", "Tessa", "Victor", "Zoe",
)

LAST_NAMES: tuple[str, ...] = (
    "Abbott", "Alvarez", "Bailey", "Bennett", "Brooks", "Campbell", "Carter", "Chen", "Collins",
    "Cruz", "Daniels", "Diaz", "Edwards", "Ellis", "Fischer", "Foster", "Garcia", "Gonzalez",
    "Grant", "Hayes", "Henderson", "Hughes", "Ibrahim", "Jensen", "Kaur", "Kim", "Lambert",
    "Lee", "Lopez", "Mason", "Meyer", "Mitchell", "Morales", "Murphy", "Nguyen", "Novak",
    "Okafor", "Ortiz", "Patel", "Perry", "Price", "Ramirez", "Reyes", "Rossi", "Russell",
    "Santos", "Schmidt", "Shah", "Silva", "Sullivan", "Tanaka", "Thompson", "Turner", "Vargas",
    "Walsh", "Ward", "Weber", "Wright", "Yamamoto", "Young",
)

# Technician roster: (team, tier). 25 people; the generator draws their names.
TECH_ROSTER: tuple[tuple[str, int], ...] = (
    *(("Service Desk", 1),) * 7,
    *(("Service Desk", 2),) * 3,
    *(("Escalations", 2),) * 4,
    *(("Escalations", 3),) * 3,
    *(("Projects", 2),) * 2,
    *(("Projects", 3),) * 2,
    *(("NOC", 1),) * 3,
    ("NOC", 2),
)

# --- boards, channels, priorities ---------------------------------------------------------

BOARDS: tuple[str, ...] = ("Help Desk", "Tier 2", "Projects", "Alerts")
HELP_DESK, TIER2, PROJECTS, ALERTS = range(4)
BOARD_SHARE: tuple[float, ...] = (0.60, 0.15, 0.05, 0.20)
# Team whose technicians pick up new tickets on each board.
BOARD_TEAM: tuple[str, ...] = ("Service Desk", "Escalations", "Projects", "NOC")

CHANNELS: tuple[str, ...] = ("email", "phone", "portal", "chat", "alert")
# Rows: boards; columns: CHANNELS. Only the Alerts board uses "alert".
CHANNEL_PROBS: tuple[tuple[float, ...], ...] = (
    (0.40, 0.27, 0.22, 0.11, 0.0),
    (0.45, 0.30, 0.20, 0.05, 0.0),
    (0.60, 0.15, 0.25, 0.00, 0.0),
    (0.00, 0.00, 0.00, 0.00, 1.0),
)

# Rows: boards; columns: priority 1..4. Skewed toward 3 ("normal").
PRIORITY_PROBS: tuple[tuple[float, ...], ...] = (
    (0.02, 0.12, 0.66, 0.20),
    (0.05, 0.20, 0.60, 0.15),
    (0.00, 0.05, 0.45, 0.50),
    (0.05, 0.20, 0.55, 0.20),
)
URGENT_PRIORITY_PROBS: tuple[float, ...] = (0.30, 0.40, 0.25, 0.05)

# --- statuses -----------------------------------------------------------------------------

STATUSES: tuple[str, ...] = (
    "New", "Assigned", "In Progress", "Waiting Customer", "Waiting Vendor", "Scheduled",
    "Resolved", "Closed", "Cancelled",
)
# Raw statuses a real PSA export still carries after a workflow clean-up; no mapping knows them.
UNMAPPED_STATUSES: tuple[str, ...] = (
    "Pending Triage (old)", "Waiting Parts - DO NOT USE", "Escalated (legacy)",
)
ALL_STATUSES: tuple[str, ...] = STATUSES + UNMAPPED_STATUSES
(NEW, ASSIGNED, IN_PROGRESS, WAITING_CUSTOMER, WAITING_VENDOR, SCHEDULED, RESOLVED, CLOSED,
 CANCELLED) = range(len(STATUSES))
FIRST_UNMAPPED = len(STATUSES)

# fmt: on

# --- category tree ------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogItem:
    """One leaf of the category tree with title templates and per-board weights."""

    category: str
    subcategory: str
    item: str
    titles: tuple[str, ...]
    weights: tuple[float, float, float, float]  # Help Desk, Tier 2, Projects, Alerts
    urgent: bool = False


HOSTS: dict[str, tuple[str, ...]] = {
    "Server": ("SRV-DC01", "SRV-FS01", "SRV-SQL01", "SRV-APP02", "HV-HOST01"),
    "Backup": ("SRV-FS01", "SRV-SQL01", "NAS01", "M365 tenant"),
    "Network Device": ("FW-EDGE01", "SW-CORE01", "AP-LOBBY", "SW-WAREHOUSE"),
    "Endpoint": ("WS-FRONTDESK", "LT-ACCT03", "WS-RECEPTION", "LT-SALES07"),
}


def _items() -> tuple[CatalogItem, ...]:
    # (category, subcategory, item, titles, weights, urgent)
    # fmt: off
    raw: list[tuple[str, str, str, tuple[str, ...], tuple[float, float, float, float], bool]] = [
        ("Hardware", "Laptop", "Battery", ("Laptop battery drains in an hour",
         "Battery not charging on laptop", "Laptop shuts off when unplugged"), (3, 1, 0, 0), False),
        ("Hardware", "Laptop", "Screen", ("Cracked laptop screen", "Laptop display flickering",
         "External monitor not detected"), (3, 1, 0, 0), False),
        ("Hardware", "Laptop", "Docking Station", ("Docking station not detecting monitors",
         "USB ports on dock stopped working", "New docking station needed"), (3, 1, 1, 0), False),
        ("Hardware", "Desktop", "Won't Boot", ("PC will not turn on",
         "Computer stuck on boot screen", "Blue screen on startup"), (2, 2, 0, 0), False),
        ("Hardware", "Desktop", "New Workstation", ("Set up new workstation for new hire",
         "Replace aging desktop", "Deploy replacement PC"), (1, 0, 6, 0), False),
        ("Hardware", "Printer", "Paper Jam", ("Printer jammed again", "Paper jam on copier",
         "Printer shows jam but no paper stuck"), (3, 0, 0, 0), False),
        ("Hardware", "Printer", "Driver", ("Cannot print from laptop",
         "Printer offline for everyone", "Install printer on new PC"), (3, 1, 0, 0), False),
        ("Hardware", "Printer", "Toner", ("Toner low warning", "Prints coming out faded"),
         (2, 0, 0, 0), False),
        ("Hardware", "Phone", "Handset", ("Desk phone has no dial tone", "Phone keeps rebooting"),
         (2, 1, 0, 0), False),
        ("Hardware", "Phone", "Headset", ("Headset mic not working in Teams",
         "Need a new headset"), (2, 0, 0, 0), False),
        ("Software", "Microsoft 365", "Outlook", ("Outlook keeps asking for password",
         "Emails stuck in outbox", "Outlook search not returning results"), (5, 2, 0, 0), False),
        ("Software", "Microsoft 365", "Teams", ("Teams calls dropping",
         "Cannot share screen in Teams", "Teams not showing new chats"), (3, 1, 0, 0), False),
        ("Software", "Microsoft 365", "OneDrive", ("OneDrive sync paused with errors",
         "Files missing from OneDrive", "Restore deleted SharePoint file"), (3, 1, 0, 0), False),
        ("Software", "Line of Business App", "Crash", ("Accounting app crashes on launch",
         "Practice management software freezing", "Error when opening the ERP client"),
         (2, 3, 0, 0), False),
        ("Software", "Line of Business App", "Update", ("Apply vendor update to practice software",
         "App update failed halfway", "Update QuickBooks to latest release"), (1, 2, 2, 0), False),
        ("Software", "Line of Business App", "License", ("License expired for design software",
         "Need an additional seat license", "Activation error after reinstall"),
         (2, 1, 0, 0), False),
        ("Software", "Operating System", "Windows Update", ("Windows updates failing",
         "PC restarting for updates during work", "Feature update stuck at 0%"),
         (2, 1, 0, 0), False),
        ("Software", "Operating System", "Performance", ("Computer very slow",
         "Laptop running hot and slow", "Start menu not responding"), (3, 1, 0, 0), False),
        ("Software", "Operating System", "Upgrade", ("Upgrade workstations to Windows 11",
         "OS upgrade for finance department"), (0, 0, 4, 0), False),
        ("Network", "Internet", "Outage", ("Internet down at main office",
         "No internet at branch site", "Whole office offline"), (1, 2, 0, 0), True),
        ("Network", "Internet", "Slow", ("Internet very slow this morning",
         "Video calls lagging at the office"), (2, 1, 0, 0), False),
        ("Network", "Wi-Fi", "Connectivity", ("Cannot connect to office Wi-Fi",
         "Wi-Fi keeps disconnecting", "Guest Wi-Fi not working"), (3, 1, 0, 0), False),
        ("Network", "Wi-Fi", "Coverage", ("Weak Wi-Fi in conference room",
         "Add access point to warehouse"), (1, 1, 2, 0), False),
        ("Network", "VPN", "Cannot Connect", ("VPN will not connect from home",
         "VPN authentication failed", "VPN client error 809"), (3, 2, 0, 0), False),
        ("Network", "VPN", "Drops", ("VPN disconnects every few minutes",
         "VPN drops during large file copies"), (1, 2, 0, 0), False),
        ("Network", "Firewall", "Rule Change", ("Open port for vendor remote access",
         "Allow new SaaS app through firewall", "Block traffic to old server"),
         (1, 2, 1, 0), False),
        ("Network", "Firewall", "Firmware Upgrade", ("Firewall firmware upgrade",
         "Replace end-of-life firewall"), (0, 1, 3, 0), False),
        ("Accounts & Access", "Password", "Reset", ("Password reset request", "Forgot password",
         "Password expired, cannot log in"), (6, 0, 0, 0), False),
        ("Accounts & Access", "Password", "Locked Out", ("Account locked out",
         "Locked out after password change"), (4, 0, 0, 0), False),
        ("Accounts & Access", "MFA", "New Device", ("Set up MFA on new phone",
         "MFA prompts not arriving"), (3, 0, 0, 0), False),
        ("Accounts & Access", "MFA", "Lost Phone", ("Lost phone, need MFA reset",
         "Authenticator app deleted by mistake"), (2, 0, 0, 0), False),
        ("Accounts & Access", "User Lifecycle", "New Hire", ("New hire starting Monday",
         "Create accounts for new employee", "Onboard new staff member"), (2, 0, 3, 0), False),
        ("Accounts & Access", "User Lifecycle", "Offboarding", ("Disable departing employee",
         "Offboard user and forward email"), (2, 0, 1, 0), False),
        ("Accounts & Access", "User Lifecycle", "Name Change", ("Update display name",
         "Change email address for user"), (1, 0, 0, 0), False),
        ("Accounts & Access", "Permissions", "Shared Mailbox", ("Add user to shared mailbox",
         "Remove access to shared mailbox"), (2, 0, 0, 0), False),
        ("Accounts & Access", "Permissions", "File Share", ("Need access to finance folder",
         "Access denied on shared drive", "Create new department share"), (3, 1, 0, 0), False),
        ("Security", "Phishing", "Reported Email", ("Suspicious email received",
         "Is this email legit?", "Phishing email reported by user"), (4, 1, 0, 0), False),
        ("Security", "Phishing", "Clicked Link", ("User clicked phishing link",
         "Entered password on fake login page"), (1, 2, 0, 0), True),
        ("Security", "Malware", "Detection", ("Antivirus detected a threat",
         "Pop-ups all over the computer", "Browser redirecting to strange sites"),
         (1, 2, 0, 0), False),
        ("Security", "Malware", "Ransomware", ("Files encrypted on file server",
         "Ransom note found on PC"), (0, 0.3, 0, 0), True),
        ("Security", "Compliance", "Audit Request", ("Cyber insurance questionnaire",
         "Provide evidence for compliance audit"), (0, 1, 1, 0), False),
        ("Security", "Compliance", "Policy Exception", ("Request USB storage exception",
         "Allow personal device on network"), (1, 1, 0, 0), False),
        ("Monitoring", "Server", "Disk Space", ("Disk C: below 10% free on {host}",
         "Low disk space on {host}"), (0, 0, 0, 4), False),
        ("Monitoring", "Server", "High CPU", ("CPU above 95% for 15 minutes on {host}",
         "High CPU usage on {host}"), (0, 0, 0, 2), False),
        ("Monitoring", "Server", "Service Down", ("Service stopped on {host}",
         "{host} not responding to ping"), (0, 0.5, 0, 2), True),
        ("Monitoring", "Backup", "Job Failed", ("Backup job failed for {host}",
         "Cloud backup did not complete for {host}"), (0, 1, 0, 3), False),
        ("Monitoring", "Backup", "Job Warning", ("Backup completed with warnings for {host}",
         "Backup ran longer than expected for {host}"), (0, 0, 0, 2), False),
        ("Monitoring", "Network Device", "Device Offline", ("{host} offline",
         "Lost contact with {host}"), (0, 0, 0, 2), False),
        ("Monitoring", "Network Device", "Interface Down", ("WAN interface down on {host}",
         "High packet loss on {host}"), (0, 0, 0, 1), False),
        ("Monitoring", "Endpoint", "Patch Failed", ("Patch installation failed on {host}",
         "Pending reboot for patches on {host}"), (0, 0, 0, 3), False),
        ("Monitoring", "Endpoint", "AV Out of Date", ("Antivirus definitions out of date on {host}",
         "EDR agent not reporting on {host}"), (0, 0, 0, 2), False),
    ]
    # fmt: on
    items = []
    for category, subcategory, item, titles, weights, urgent in raw:
        hosts = HOSTS.get(subcategory, ())
        # Expand "{host}" so every title variant is a plain string the generator can index.
        expanded = tuple(
            t.format(host=h) for t in titles for h in (hosts if "{host}" in t else ("",))
        )
        items.append(CatalogItem(category, subcategory, item, expanded, weights, urgent))
    return tuple(items)


ITEMS: tuple[CatalogItem, ...] = _items()

# --- surveys ------------------------------------------------------------------------------
# fmt: off

# Client-level CSAT tool -> (survey source, scale name).
SURVEY_TOOLS: tuple[tuple[str, str], ...] = (
    ("smileback", "smileback"), ("crewhu", "crewhu"), ("simplesat", "stars5"),
)
SURVEY_TOOL_SHARE: tuple[float, ...] = (0.4, 0.3, 0.3)

POSITIVE_COMMENTS: tuple[str, ...] = (
    "Quick and friendly, thanks!", "Fixed it in minutes.", "Great communication throughout.",
    "Very patient with me.", "Back to work right away, much appreciated.",
    "Explained what went wrong, thank you.", "Super helpful as always.",
)
NEUTRAL_COMMENTS: tuple[str, ...] = (
    "Took a while but it works now.", "OK, although I had to call twice.",
    "Fine, not sure what was changed.",
)
NEGATIVE_COMMENTS: tuple[str, ...] = (
    "Took three days to get a response.", "Problem came back the next day.",
    "Nobody told me it was closed.", "Had to explain the issue again to a second tech.",
    "Still not fixed.",
)
# fmt: on
