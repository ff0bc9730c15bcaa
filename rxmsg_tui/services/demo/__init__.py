"""The demo pharmacy behind `rxmsg demo`: a realistic store with generated patients."""

from rxmsg_tui.services.demo.build import DemoSummary, Progress, build_demo
from rxmsg_tui.services.demo.store_profile import DEMO_STORE_CODE

__all__ = ["DEMO_STORE_CODE", "DemoSummary", "Progress", "build_demo"]
