"""Clerk mailbox: cases a person must handle by hand. A media break by definition."""

from hub.connectors.manual_mailbox.connector import ManualMailboxConnector

__all__ = ["ManualMailboxConnector"]
