"""The two partnerships this deployment serves, with their local variants (DESIGN.md, "Tenancy")."""

PARTNERSHIPS = [
    {
        "slug": "leicester",
        "name": "Leicester Safeguarding Children Partnership",
        "business_office_name": "Leicester Safeguarding Boards Office",
        "reference_prefix": "LSCP",
        "information_request_working_days": None,  # §4.3.3 applies to LR only
        "uses_chronology_template": True,  # §4.1.7, §4.3.1, §4.5.1
        "school_request_route": "direct",  # §4.4 footnote 15
        "holds_request_parameters_meeting": True,  # §4.4.3
    },
    {
        "slug": "leicestershire-rutland",
        "name": "Leicestershire & Rutland Safeguarding Children Partnership",
        "business_office_name": (
            "Leicestershire & Rutland Safeguarding Partnerships Business Office"
        ),
        "reference_prefix": "LRSCP",
        "information_request_working_days": 2,  # §4.3.3
        "uses_chronology_template": False,  # §4.1.7, §4.3.1, §4.5.1
        "school_request_route": "via_education_representatives",  # §4.4 footnote 15
        "holds_request_parameters_meeting": False,  # §4.4.3
    },
]


def ensure_partnerships(partnership_model):
    """Create both partnerships if missing; used by the data migration and the tests."""
    for row in PARTNERSHIPS:
        partnership_model.objects.get_or_create(
            slug=row["slug"], defaults={k: v for k, v in row.items() if k != "slug"}
        )
