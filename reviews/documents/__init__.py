"""The LCSPR's printable documents, rendered like every case document (cases/documents.py):
case reference only, no network while rendering."""
