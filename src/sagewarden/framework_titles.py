"""The titles of the framework requirements the SageMaker controls map to: data only.

The ids come from the controls' related requirements (`frameworks`); an auditor reads a
requirement by its title, so the framework report shows both. NIST: the control and
enhancement names of NIST SP 800-53 Revision 5 ("control | enhancement"). PCI DSS: the
requirement text of PCI DSS v3.2.1 and v4.0.1, shortened where it runs on. The standards
made of controls (FSBP, AI Security, tagging) take each control's own title. A test
checks that every requirement id a control names has a title here.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from sagewarden.catalog import BY_ID

_AC2 = "Account Management"
_AC3 = "Access Enforcement"
_AC4 = "Information Flow Enforcement"
_AC6 = "Least Privilege"
_SC7 = "Boundary Protection"
_SC28 = "Protection of Information at Rest"

NIST: Mapping[str, str] = MappingProxyType(
    {
        "AC-2(1)": f"{_AC2} | Automated System Account Management",
        "AC-3": _AC3,
        "AC-3(7)": f"{_AC3} | Role-based Access Control",
        "AC-3(15)": f"{_AC3} | Discretionary and Mandatory Access Control",
        "AC-4": _AC4,
        "AC-4(21)": f"{_AC4} | Physical or Logical Separation of Information Flows",
        "AC-6": _AC6,
        "AC-6(2)": f"{_AC6} | Non-privileged Access for Nonsecurity Functions",
        "AC-6(10)": f"{_AC6} | Prohibit Non-privileged Users from Executing Privileged Functions",
        "AC-21": "Information Sharing",
        "AU-9": "Protection of Audit Information",
        "CA-9(1)": "Internal System Connections | Compliance Checks",
        "CM-3(6)": "Configuration Change Control | Cryptography Management",
        "CP-10": "System Recovery and Reconstitution",
        "SA-13": "Trustworthiness",
        "SC-5": "Denial-of-service Protection",
        "SC-7": _SC7,
        "SC-7(3)": f"{_SC7} | Access Points",
        "SC-7(4)": f"{_SC7} | External Telecommunications Services",
        "SC-7(9)": f"{_SC7} | Restrict Threatening Outgoing Communications Traffic",
        "SC-7(10)": f"{_SC7} | Prevent Exfiltration",
        "SC-7(11)": f"{_SC7} | Restrict Incoming Communications Traffic",
        "SC-7(16)": f"{_SC7} | Prevent Discovery of System Components",
        "SC-7(20)": f"{_SC7} | Dynamic Isolation and Segregation",
        "SC-7(21)": f"{_SC7} | Isolation of System Components",
        "SC-12(2)": "Cryptographic Key Establishment and Management | Symmetric Keys",
        "SC-13": "Cryptographic Protection",
        "SC-28": _SC28,
        "SC-28(1)": f"{_SC28} | Cryptographic Protection",
        "SC-36": "Distributed Processing and Storage",
        "SI-7(6)": "Software, Firmware, and Information Integrity | Cryptographic Protection",
    }
)

PCI_DSS_321: Mapping[str, str] = MappingProxyType(
    {
        "1.2.1": "Restrict inbound and outbound traffic to that which is necessary for the "
        "cardholder data environment, and specifically deny all other traffic",
        "1.3.1": "Implement a DMZ to limit inbound traffic to only system components that "
        "provide authorized publicly accessible services, protocols, and ports",
        "1.3.2": "Limit inbound Internet traffic to IP addresses within the DMZ",
        "1.3.4": "Do not allow unauthorized outbound traffic from the cardholder data "
        "environment to the Internet",
        "1.3.6": "Place system components that store cardholder data in an internal network "
        "zone, segregated from the DMZ and other untrusted networks",
    }
)

PCI_DSS_401: Mapping[str, str] = MappingProxyType(
    {
        "1.4.4": "System components that store cardholder data are not directly accessible "
        "from untrusted networks",
    }
)

_BY_FRAMEWORK: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {"nist-800-53": NIST, "pci-dss-3.2.1": PCI_DSS_321, "pci-dss-4.0.1": PCI_DSS_401}
)


def requirement_title(framework: str, requirement: str) -> str:
    """The requirement's title; a control's title where the requirement is a control;
    empty when none is known (a test keeps that from happening)."""
    table = _BY_FRAMEWORK.get(framework)
    if table is not None:
        return table.get(requirement, "")
    control = BY_ID.get(requirement)
    return control.title if control is not None else ""
