"""OpenSID code values, our fixed age bands and the Kemendagri desa code format.

The code lists are facts about OpenSID's seeded reference tables (`tweb_penduduk_agama`, …; see
docs/opensid.md). They are only the fallback: when the source database has the reference table,
its own labels win, so a newer OpenSID that adds a code is counted under its own name.
Category labels are data values (Indonesian, as OpenSID writes them), not UI text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# OpenSID's report rows for the sums: JUMLAH (filled), BELUM MENGISI (not filled), TOTAL.
KODE_JUMLAH = "666"
KODE_BELUM_MENGISI = "777"
KODE_TOTAL = "888"
LABEL_JUMLAH = "JUMLAH"
LABEL_BELUM_MENGISI = "BELUM MENGISI"
LABEL_TOTAL = "TOTAL"

SEX_LAKI_LAKI = 1
SEX_PEREMPUAN = 2
STATUS_DASAR_HIDUP = 1

# Wilayah values that are not a real RW / RT (OpenSID inserts them as placeholders when a dusun
# or an RW is created; `Wilayah_model` leaves them out when it counts RWs and RTs).
PLACEHOLDER_WILAYAH = frozenset({"0", "-", ""})

JENIS_KELAMIN = ((1, "LAKI-LAKI"), (2, "PEREMPUAN"))
AGAMA = (
    (1, "ISLAM"),
    (2, "KRISTEN"),
    (3, "KATHOLIK"),
    (4, "HINDU"),
    (5, "BUDHA"),
    (6, "KHONGHUCU"),
    (7, "Kepercayaan Terhadap Tuhan YME / Lainnya"),
)
PENDIDIKAN_KK = (
    (1, "TIDAK / BELUM SEKOLAH"),
    (2, "BELUM TAMAT SD/SEDERAJAT"),
    (3, "TAMAT SD / SEDERAJAT"),
    (4, "SLTP/SEDERAJAT"),
    (5, "SLTA / SEDERAJAT"),
    (6, "DIPLOMA I / II"),
    (7, "AKADEMI/ DIPLOMA III/S. MUDA"),
    (8, "DIPLOMA IV/ STRATA I"),
    (9, "STRATA II"),
    (10, "STRATA III"),
)
PENDIDIKAN_SEDANG = (
    (1, "BELUM MASUK TK/KELOMPOK BERMAIN"),
    (2, "SEDANG TK/KELOMPOK BERMAIN"),
    (3, "TIDAK PERNAH SEKOLAH"),
    (4, "SEDANG SD/SEDERAJAT"),
    (5, "TIDAK TAMAT SD/SEDERAJAT"),
    (6, "SEDANG SLTP/SEDERAJAT"),
    (7, "SEDANG SLTA/SEDERAJAT"),
    (8, "SEDANG D-1/SEDERAJAT"),
    (9, "SEDANG D-2/SEDERAJAT"),
    (10, "SEDANG D-3/SEDERAJAT"),
    (11, "SEDANG S-1/SEDERAJAT"),
    (12, "SEDANG S-2/SEDERAJAT"),
    (13, "SEDANG S-3/SEDERAJAT"),
    (14, "SEDANG SLB A/SEDERAJAT"),
    (15, "SEDANG SLB B/SEDERAJAT"),
    (16, "SEDANG SLB C/SEDERAJAT"),
    (17, "TIDAK DAPAT MEMBACA DAN MENULIS HURUF LATIN/ARAB"),
    (18, "TIDAK SEDANG SEKOLAH"),
)
_PEKERJAAN_NAMES = (
    "BELUM/TIDAK BEKERJA",
    "MENGURUS RUMAH TANGGA",
    "PELAJAR/MAHASISWA",
    "PENSIUNAN",
    "PEGAWAI NEGERI SIPIL (PNS)",
    "TENTARA NASIONAL INDONESIA (TNI)",
    "KEPOLISIAN RI (POLRI)",
    "PERDAGANGAN",
    "PETANI/PEKEBUN",
    "PETERNAK",
    "NELAYAN/PERIKANAN",
    "INDUSTRI",
    "KONSTRUKSI",
    "TRANSPORTASI",
    "KARYAWAN SWASTA",
    "KARYAWAN BUMN",
    "KARYAWAN BUMD",
    "KARYAWAN HONORER",
    "BURUH HARIAN LEPAS",
    "BURUH TANI/PERKEBUNAN",
    "BURUH NELAYAN/PERIKANAN",
    "BURUH PETERNAKAN",
    "PEMBANTU RUMAH TANGGA",
    "TUKANG CUKUR",
    "TUKANG LISTRIK",
    "TUKANG BATU",
    "TUKANG KAYU",
    "TUKANG SOL SEPATU",
    "TUKANG LAS/PANDAI BESI",
    "TUKANG JAHIT",
    "TUKANG GIGI",
    "PENATA RIAS",
    "PENATA BUSANA",
    "PENATA RAMBUT",
    "MEKANIK",
    "SENIMAN",
    "TABIB",
    "PARAJI",
    "PERANCANG BUSANA",
    "PENTERJEMAH",
    "IMAM MASJID",
    "PENDETA",
    "PASTOR",
    "WARTAWAN",
    "USTADZ/MUBALIGH",
    "JURU MASAK",
    "PROMOTOR ACARA",
    "ANGGOTA DPR-RI",
    "ANGGOTA DPD",
    "ANGGOTA BPK",
    "PRESIDEN",
    "WAKIL PRESIDEN",
    "ANGGOTA MAHKAMAH KONSTITUSI",
    "ANGGOTA KABINET KEMENTERIAN",
    "DUTA BESAR",
    "GUBERNUR",
    "WAKIL GUBERNUR",
    "BUPATI",
    "WAKIL BUPATI",
    "WALIKOTA",
    "WAKIL WALIKOTA",
    "ANGGOTA DPRD PROVINSI",
    "ANGGOTA DPRD KABUPATEN/KOTA",
    "DOSEN",
    "GURU",
    "PILOT",
    "PENGACARA",
    "NOTARIS",
    "ARSITEK",
    "AKUNTAN",
    "KONSULTAN",
    "DOKTER",
    "BIDAN",
    "PERAWAT",
    "APOTEKER",
    "PSIKIATER/PSIKOLOG",
    "PENYIAR TELEVISI",
    "PENYIAR RADIO",
    "PELAUT",
    "PENELITI",
    "SOPIR",
    "PIALANG",
    "PARANORMAL",
    "PEDAGANG",
    "PERANGKAT DESA",
    "KEPALA DESA",
    "BIARAWATI",
    "WIRASWASTA",
    "LAINNYA",
)
PEKERJAAN = tuple(enumerate(_PEKERJAAN_NAMES, start=1))
STATUS_KAWIN = ((1, "BELUM KAWIN"), (2, "KAWIN"), (3, "CERAI HIDUP"), (4, "CERAI MATI"))
HUBUNGAN_KK = (
    (1, "KEPALA KELUARGA"),
    (2, "SUAMI"),
    (3, "ISTRI"),
    (4, "ANAK"),
    (5, "MENANTU"),
    (6, "CUCU"),
    (7, "ORANGTUA"),
    (8, "MERTUA"),
    (9, "FAMILI LAIN"),
    (10, "PEMBANTU"),
    (11, "LAINNYA"),
)
WARGA_NEGARA = ((1, "WNI"), (2, "WNA"), (3, "DUA KEWARGANEGARAAN"))
GOLONGAN_DARAH = tuple(
    enumerate(
        ("A", "B", "AB", "O", "A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-", "TIDAK TAHU"),
        start=1,
    )
)
SASARAN_PROGRAM = {1: "PENDUDUK", 2: "KELUARGA", 3: "RUMAH TANGGA", 4: "KELOMPOK"}
# log_penduduk.kode_peristiwa (ref_peristiwa).
PERISTIWA = (
    (1, "LAHIR"),
    (2, "MATI"),
    (3, "PINDAH KELUAR"),
    (4, "HILANG"),
    (5, "PINDAH MASUK"),
    (6, "PERGI"),
)


@dataclass(frozen=True)
class AgeBand:
    """A closed range of full years; `sampai=None` means "and older"."""

    kode: str
    label: str
    dari: int
    sampai: int | None


# Our own fixed bands, the same for every village (OpenSID's `tweb_penduduk_umur` bands are
# editable per village, so they cannot be compared across villages). Five-year groups as in
# BPS population tables, the last one open.
KELOMPOK_UMUR = (
    *(
        AgeBand(f"{start:02d}-{start + 4:02d}", f"{start}-{start + 4} TAHUN", start, start + 4)
        for start in range(0, 75, 5)
    ),
    AgeBand("75+", "75 TAHUN KE ATAS", 75, None),
)
# Dependency-ratio groups (BPS): children, working age, elderly.
KATEGORI_UMUR = (
    AgeBand("00-14", "ANAK (0-14 TAHUN)", 0, 14),
    AgeBand("15-64", "USIA PRODUKTIF (15-64 TAHUN)", 15, 64),
    AgeBand("65+", "LANJUT USIA (65 TAHUN KE ATAS)", 65, None),
)
# A birth date more than this many years before the reference date is not a plausible age: the
# resident is counted under BELUM MENGISI, like a missing or future date.
MAX_PLAUSIBLE_AGE_YEARS = 130

_DIGITS = re.compile(r"\D")


def kode_desa_bertitik(raw: object) -> str | None:
    """OpenSID's `config.kode_desa` (`5105012001`, dots stripped by its seeder) as the
    Kemendagri code with dots (`51.05.01.2001`); None when it is not a 10-digit desa code."""
    if raw is None:
        return None
    digits = _DIGITS.sub("", str(raw))
    if len(digits) != 10:
        return None
    return f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}.{digits[6:]}"


def is_placeholder(value: object) -> bool:
    """True for wilayah values that do not name a real dusun / RW / RT ('0', '-', empty)."""
    return value is None or str(value).strip() in PLACEHOLDER_WILAYAH
