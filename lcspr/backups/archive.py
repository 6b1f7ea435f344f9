"""The encrypted archive file: one stream of records, encrypted in authenticated chunks.

Format, version 1 (all integers big-endian)
-------------------------------------------

The file is a fixed 48-byte header followed by chunks::

    header   magic        8 bytes   b"LCSPRBAK"
             version      1 byte    1
             scrypt log2n 1 byte    log2 of scrypt's cost N (17: N = 131072)
             scrypt r     1 byte    8
             scrypt p     1 byte    1
             salt        16 bytes   random for every archive
             chunk size   4 bytes   the plaintext size of every chunk but the last (1 MiB)
             key check   16 bytes   AES-GCM tag of nothing under the key, nonce KEY_CHECK_NONCE,
                                    with the 32 bytes before it as associated data

    chunk    final        1 byte    1 on the last chunk, 0 on every other
             length       4 bytes   the length of the ciphertext that follows
             ciphertext             AES-256-GCM of up to `chunk size` plaintext bytes, tag included

The key is scrypt(BACKUP_KEY, salt, N, r, p), 32 bytes. Chunk i (from 0) is encrypted
with nonce = 4 zero bytes + i as 8 bytes, and with associated data = the whole header +
i as 8 bytes + the final flag. A fresh salt makes a fresh key for every archive, so the
counter nonces never repeat under one key; the key check's nonce starts with 0xff, which
no chunk's does. A reader therefore detects:

- a wrong BACKUP_KEY (or an altered header's KDF fields): the key check fails;
- any altered byte of a chunk or of the header: that chunk fails authentication;
- chunks reordered, dropped or repeated: the index in the nonce and associated data differs;
- a truncated file: it ends without a chunk flagged final;
- bytes appended after the final chunk.

Decrypted and joined, the chunks form the plaintext stream, a sequence of records::

    record   kind         1 byte    b"D" the database (pg_dump --format=custom output),
                                    b"F" one uploaded file, b"M" the manifest (JSON)
             name length  2 bytes
             name                   UTF-8: "database.dump", the file's storage path,
                                    or "manifest.json"
             blocks                 any number of: length (4 bytes, > 0) + that many bytes
             end          4 bytes   zero

A backup writes one D record, one F record for every file in the default storage, and
the M record last: the manifest names the dump's and every file's size and SHA-256, so
a reader checks the records against it. Records are written as they are read (pg_dump's
output streams through the encryptor), so no plaintext is ever written to disk.
"""

import os
import struct
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from lcspr.backups.errors import (
    ARCHIVE_DAMAGED,
    ARCHIVE_MALFORMED,
    ARCHIVE_TRAILING_DATA,
    ARCHIVE_TRUNCATED,
    ARCHIVE_UNKNOWN_VERSION,
    ARCHIVE_WRONG_KEY,
    NOT_AN_ARCHIVE,
    BackupError,
)

MAGIC = b"LCSPRBAK"
VERSION = 1
SCRYPT_LOG2_N = 17  # OWASP's recommended scrypt cost: 128 MiB and about a second to derive
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
CHUNK_SIZE = 1024 * 1024
TAG_BYTES = 16
KEY_CHECK_NONCE = b"\xff" * 12

_HEADER_FIELDS = struct.Struct(">8sBBBB16sI")  # everything before the key check
HEADER_SIZE = _HEADER_FIELDS.size + TAG_BYTES
_CHUNK_PREFIX = struct.Struct(">BI")
# Bounds on what a header may ask of the reader (a damaged one must not exhaust memory).
_MAX_LOG2_N = 20
_MAX_CHUNK_SIZE = 64 * 1024 * 1024

KIND_DATABASE = b"D"
KIND_FILE = b"F"
KIND_MANIFEST = b"M"
_KINDS = {KIND_DATABASE, KIND_FILE, KIND_MANIFEST}
_NAME_LENGTH = struct.Struct(">H")
_BLOCK_LENGTH = struct.Struct(">I")


def _derive_key(passphrase: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    kdf = Scrypt(salt=salt, length=32, n=2**log2_n, r=r, p=p)
    return kdf.derive(passphrase.encode("utf-8"))


def _chunk_nonce(index: int) -> bytes:
    return b"\x00\x00\x00\x00" + index.to_bytes(8, "big")


def _chunk_associated_data(header: bytes, index: int, final: bool) -> bytes:
    return header + index.to_bytes(8, "big") + (b"\x01" if final else b"\x00")


class ArchiveWriter:
    """Encrypts a plaintext stream into `out`, a binary file open for writing.

    `write` buffers up to one chunk; `close` writes the final chunk, without which a
    reader refuses the archive as truncated.
    """

    def __init__(self, out: BinaryIO, passphrase: str):
        self._out = out
        salt = os.urandom(SALT_BYTES)
        fields = _HEADER_FIELDS.pack(
            MAGIC, VERSION, SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P, salt, CHUNK_SIZE
        )
        key = _derive_key(passphrase, salt, SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P)
        self._aead = AESGCM(key)
        self._header = fields + self._aead.encrypt(KEY_CHECK_NONCE, b"", fields)
        self._out.write(self._header)
        self._buffer = bytearray()
        self._index = 0
        self._closed = False

    def write(self, data: bytes) -> None:
        self._buffer += data
        while len(self._buffer) > CHUNK_SIZE:  # keep at least one byte for a final chunk
            self._emit(bytes(self._buffer[:CHUNK_SIZE]), final=False)
            del self._buffer[:CHUNK_SIZE]

    def close(self) -> None:
        if not self._closed:
            self._emit(bytes(self._buffer), final=True)
            self._buffer.clear()
            self._closed = True

    def _emit(self, plaintext: bytes, *, final: bool) -> None:
        associated = _chunk_associated_data(self._header, self._index, final)
        ciphertext = self._aead.encrypt(_chunk_nonce(self._index), plaintext, associated)
        self._out.write(_CHUNK_PREFIX.pack(1 if final else 0, len(ciphertext)) + ciphertext)
        self._index += 1


class RecordWriter:
    """Writes records (kind, name, blocks) into an ArchiveWriter."""

    def __init__(self, archive: ArchiveWriter):
        self._archive = archive

    def write(self, kind: bytes, name: str, blocks: Iterable[bytes]) -> None:
        encoded = name.encode("utf-8")
        self._archive.write(kind + _NAME_LENGTH.pack(len(encoded)) + encoded)
        for block in blocks:
            if block:
                self._archive.write(_BLOCK_LENGTH.pack(len(block)))
                self._archive.write(block)
        self._archive.write(_BLOCK_LENGTH.pack(0))


class ArchiveReader:
    """Opens an archive: reads its header and checks BACKUP_KEY against it once.

    `plaintext()` decrypts the chunks in order, and may be called again for a second pass
    (the key is derived only once).
    """

    def __init__(self, path: os.PathLike | str, passphrase: str):
        self.path = path
        with open(path, "rb") as archive:
            header = archive.read(HEADER_SIZE)
        fields = header[: _HEADER_FIELDS.size]
        if len(header) < HEADER_SIZE or not header.startswith(MAGIC):
            raise BackupError(NOT_AN_ARCHIVE)
        _magic, version, log2_n, r, p, salt, chunk_size = _HEADER_FIELDS.unpack(fields)
        if version != VERSION:
            raise BackupError(ARCHIVE_UNKNOWN_VERSION.format(version=version))
        if not (1 <= log2_n <= _MAX_LOG2_N and r and p and 0 < chunk_size <= _MAX_CHUNK_SIZE):
            raise BackupError(ARCHIVE_WRONG_KEY)
        self._aead = AESGCM(_derive_key(passphrase, salt, log2_n, r, p))
        try:
            self._aead.decrypt(KEY_CHECK_NONCE, header[_HEADER_FIELDS.size :], fields)
        except InvalidTag:
            raise BackupError(ARCHIVE_WRONG_KEY) from None
        self._header = header
        self._chunk_size = chunk_size

    def plaintext(self) -> Iterator[bytes]:
        """Each chunk's plaintext, authenticated, in order; BackupError on any fault."""
        with open(self.path, "rb") as archive:
            archive.seek(HEADER_SIZE)
            index = 0
            while True:
                prefix = archive.read(_CHUNK_PREFIX.size)
                if len(prefix) < _CHUNK_PREFIX.size:
                    raise BackupError(ARCHIVE_TRUNCATED)
                final, length = _CHUNK_PREFIX.unpack(prefix)
                if final not in (0, 1) or length > self._chunk_size + TAG_BYTES:
                    raise BackupError(ARCHIVE_DAMAGED.format(index=index))
                ciphertext = archive.read(length)
                if len(ciphertext) < length:
                    raise BackupError(ARCHIVE_TRUNCATED)
                associated = _chunk_associated_data(self._header, index, bool(final))
                try:
                    plaintext = self._aead.decrypt(_chunk_nonce(index), ciphertext, associated)
                except InvalidTag:
                    raise BackupError(ARCHIVE_DAMAGED.format(index=index)) from None
                yield plaintext
                if final:
                    if archive.read(1):
                        raise BackupError(ARCHIVE_TRAILING_DATA)
                    return
                index += 1


class _Stream:
    """Exact reads over an iterator of byte strings."""

    def __init__(self, pieces: Iterator[bytes]):
        self._pieces = pieces
        self._buffer = bytearray()

    def read(self, size: int, *, allow_end: bool = False) -> bytes:
        while len(self._buffer) < size:
            piece = next(self._pieces, None)
            if piece is None:
                if allow_end and not self._buffer:
                    return b""
                raise BackupError(ARCHIVE_MALFORMED)
            self._buffer += piece
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data


def records(plaintext: Iterator[bytes]) -> Iterator[tuple[bytes, str, Iterator[bytes]]]:
    """(kind, name, blocks) for each record of a plaintext stream.

    Like a streamed tar file: read each record's blocks before asking for the next record
    (whatever is left unread is skipped).
    """
    stream = _Stream(plaintext)
    while True:
        kind = stream.read(1, allow_end=True)
        if not kind:
            return
        if kind not in _KINDS:
            raise BackupError(ARCHIVE_MALFORMED)
        (name_length,) = _NAME_LENGTH.unpack(stream.read(_NAME_LENGTH.size))
        try:
            name = stream.read(name_length).decode("utf-8")
        except UnicodeDecodeError:
            raise BackupError(ARCHIVE_MALFORMED) from None
        blocks = _blocks(stream)
        yield kind, name, blocks
        for _unread in blocks:
            pass


def _blocks(stream: _Stream) -> Iterator[bytes]:
    while True:
        (length,) = _BLOCK_LENGTH.unpack(stream.read(_BLOCK_LENGTH.size))
        if not length:
            return
        yield stream.read(length)
