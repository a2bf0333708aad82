"""What the Kabupaten Klungkung demo contains: agencies, users, topics and datasets.

Only declarations live here; satudata.demo.loader turns them into rows through the services.
Every number in the datasets comes from the CSV files in data/ (real published statistics,
see data/SOURCES.md); the descriptions say where each figure comes from and its caveats.
Contact addresses use the reserved example.org domain on purpose: the demo must not send
anyone to a real mailbox.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

REGENCY = "51.05"
KECAMATAN = {
    "51.05.01": "Nusa Penida",
    "51.05.02": "Banjarangkan",
    "51.05.03": "Klungkung",
    "51.05.04": "Dawan",
}
DEMO_DESA_CODE = "51.05.04.2006"  # Kusamba, Kecamatan Dawan
# Tanggal Rilis of every demo dataset: the day these tables were compiled and released in this
# portal (the dates of the underlying publications are given in each description).
DEMO_RELEASE_DATE = dt.date(2026, 11, 23)


@dataclass(frozen=True)
class DemoOrganisation:
    slug: str
    name: str
    short_name: str
    kind: str
    region: str
    parent: str | None = None
    description: str = ""


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    full_name: str
    role: str
    organisation: str
    is_superuser: bool = False


@dataclass(frozen=True)
class DemoTopic:
    slug: str
    name: str
    name_en: str


@dataclass(frozen=True)
class DemoDataset:
    slug: str
    title: str
    organisation: str
    metadata: dict[str, Any]
    # A file in demo/data/, BOUNDARIES for the desa boundaries, or None (metadata only).
    data_file: str | None = None
    publish: bool = True


BOUNDARIES = "<desa boundaries>"

ORGANISATIONS: tuple[DemoOrganisation, ...] = (
    DemoOrganisation(
        "diskominfo-klungkung",
        "Dinas Komunikasi dan Informatika Kabupaten Klungkung",
        "DISKOMINFO",
        "dinas",
        REGENCY,
        description="Walidata Satu Data Kabupaten Klungkung: memeriksa, memverifikasi dan "
        "menerbitkan data perangkat daerah.",
    ),
    DemoOrganisation(
        "bappeda-klungkung",
        "Badan Perencanaan Pembangunan Daerah Kabupaten Klungkung",
        "BAPPEDA",
        "badan",
        REGENCY,
        description="Perencanaan pembangunan daerah; walidata pendukung dan pengelola data "
        "geospasial.",
    ),
    DemoOrganisation(
        "dinkes-klungkung", "Dinas Kesehatan Kabupaten Klungkung", "DINKES", "dinas", REGENCY
    ),
    DemoOrganisation(
        "disdik-klungkung", "Dinas Pendidikan Kabupaten Klungkung", "DISDIK", "dinas", REGENCY
    ),
    DemoOrganisation(
        "dinsos-klungkung", "Dinas Sosial Kabupaten Klungkung", "DINSOS", "dinas", REGENCY
    ),
    DemoOrganisation(
        "dispar-klungkung", "Dinas Pariwisata Kabupaten Klungkung", "DISPAR", "dinas", REGENCY
    ),
    DemoOrganisation(
        "disdukcapil-klungkung",
        "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Klungkung",
        "DISDUKCAPIL",
        "dinas",
        REGENCY,
    ),
    DemoOrganisation(
        "bps-klungkung",
        "Badan Pusat Statistik Kabupaten Klungkung",
        "BPS",
        "bps",
        REGENCY,
        description="Pembina data statistik: meninjau metadata statistik (MS-Keg, MS-Var, "
        "MS-Ind) dan memberi rekomendasi.",
    ),
    DemoOrganisation(
        "setda-klungkung",
        "Sekretariat Daerah Kabupaten Klungkung",
        "SETDA",
        "sekretariat",
        REGENCY,
        description="Kantor Bupati dan Sekretariat Daerah: pimpinan dan Forum Satu Data.",
    ),
    *(
        DemoOrganisation(
            f"kecamatan-{name.lower().replace(' ', '-')}",
            f"Kecamatan {name}",
            name.upper(),
            "kecamatan",
            code,
        )
        for code, name in KECAMATAN.items()
    ),
    DemoOrganisation(
        "desa-kusamba",
        "Desa Kusamba",
        "KUSAMBA",
        "desa",
        DEMO_DESA_CODE,
        parent="kecamatan-dawan",
        description="Desa contoh untuk operator desa (Data Desa Presisi).",
    ),
)

# The passwords are printed by satudata demo and are public: demo only, never production.
USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "admin-satudata-demo", "Admin Demo", "admin", "diskominfo-klungkung", True),
    DemoUser(
        "walidata",
        "walidata-klungkung",
        "Walidata Diskominfo (demo)",
        "walidata",
        "diskominfo-klungkung",
    ),
    DemoUser(
        "produsen.dinkes",
        "dinkes-klungkung",
        "Operator Data Dinas Kesehatan (demo)",
        "produsen",
        "dinkes-klungkung",
    ),
    DemoUser(
        "produsen.dispar",
        "dispar-klungkung",
        "Operator Data Dinas Pariwisata (demo)",
        "produsen",
        "dispar-klungkung",
    ),
    DemoUser("pembina", "pembina-klungkung", "Pembina Data BPS (demo)", "pembina", "bps-klungkung"),
    DemoUser(
        "operator.desa",
        "desa-kusamba-demo",
        "Operator Desa Kusamba (demo)",
        "operator_desa",
        "desa-kusamba",
    ),
    DemoUser(
        "verifikator.kecamatan",
        "kecamatan-dawan-demo",
        "Verifikator Kecamatan Dawan (demo)",
        "verifikator_kecamatan",
        "kecamatan-dawan",
    ),
    DemoUser(
        "pimpinan",
        "pimpinan-klungkung",
        "Pimpinan Daerah (demo)",
        "pimpinan",
        "setda-klungkung",
    ),
)

TOPICS: tuple[DemoTopic, ...] = (
    DemoTopic("kependudukan", "Kependudukan", "Population"),
    DemoTopic("kesehatan", "Kesehatan", "Health"),
    DemoTopic("pendidikan", "Pendidikan", "Education"),
    DemoTopic("sosial", "Sosial", "Social affairs"),
    DemoTopic("pariwisata", "Pariwisata", "Tourism"),
    DemoTopic("ekonomi", "Ekonomi dan Keuangan Daerah", "Economy and public finance"),
    DemoTopic("pemerintahan", "Pemerintahan", "Government"),
    DemoTopic("geospasial", "Geospasial", "Geospatial"),
    DemoTopic("pertanian", "Pertanian dan Perikanan", "Agriculture and fisheries"),
    DemoTopic("infrastruktur", "Infrastruktur", "Infrastructure"),
)


def _contact(unit: str, mailbox: str) -> dict[str, str]:
    return {"contact_name": unit, "contact_email": f"{mailbox}@example.org"}


def _var(definisi: str, tipe: str, **extra: str) -> dict[str, str]:
    """One MS-Var entry (a table column)."""
    return {"definisi": definisi, "tipe_data": tipe, "akses_publik": "ya", **extra}


_SOURCE_COLUMN = _var(
    "Alamat sumber tempat angka pada baris ini dikutip.",
    "teks",
    konsep="Sumber data (provenance)",
)
_NOTE_COLUMN = _var(
    "Catatan tentang angka pada baris ini: pembulatan, sumber kedua, keraguan.", "teks"
)

_SP2020_KEG = {
    "jenis_statistik": "dasar",
    "judul_kegiatan": "Sensus Penduduk 2020 (SP2020); pembanding Sensus Penduduk 2010",
    "tahun_kegiatan": "2020",
    "sektor_kegiatan": "Kependudukan",
    "penyelenggara": "Badan Pusat Statistik (BPS)",
    "penanggung_jawab": "BPS; di daerah BPS Kabupaten Klungkung (nama petugas tidak "
    "dicantumkan dalam demo)",
    "latar_belakang": "Sensus penduduk dilaksanakan setiap sepuluh tahun (UU 16/1997 "
    "tentang Statistik).",
    "tujuan": "Menyediakan jumlah, komposisi dan persebaran penduduk sampai wilayah kecil.",
    "kegiatan_dilakukan": "berulang",
    "tipe_pengumpulan": "cross_sectional",
    "metode_pengumpulan": "SP2020: metode kombinasi — data registrasi kependudukan Dukcapil "
    "sebagai dasar, dilengkapi sensus mandiri daring dan wawancara lapangan.",
    "sarana_pengumpulan": "Sensus penduduk daring (CAWI) dan wawancara petugas (CAPI/PAPI)",
    "unit_pengumpulan": "Individu dalam rumah tangga",
    "desain_sampel": "Tidak ada: pencacahan lengkap (sensus).",
    "pengolahan": "Pengolahan dan tabulasi oleh BPS; portal ini menyalin angka terbitan.",
    "metode_analisis": "Deskriptif",
    "unit_analisis": "Wilayah (kecamatan, kabupaten/kota)",
    "produk_diseminasi": "Berita resmi statistik dan publikasi hasil SP2020 BPS; tabel "
    "turunan di portal ini.",
}

DATASETS: tuple[DemoDataset, ...] = (
    DemoDataset(
        slug="penduduk-kecamatan-sp2010-sp2020",
        title="Penduduk, Luas Wilayah dan Kepadatan Penduduk per Kecamatan di Kabupaten "
        "Klungkung, Sensus Penduduk 2010 dan 2020",
        organisation="bps-klungkung",
        data_file="klungkung_penduduk_kecamatan_sp2010_sp2020.csv",
        metadata={
            "description": (
                "Jumlah penduduk hasil Sensus Penduduk 2010 dan 2020, luas wilayah, kepadatan "
                "penduduk 2020, rasio jenis kelamin serta jumlah desa dan kelurahan untuk "
                "keempat kecamatan di Kabupaten Klungkung.\n\n"
                "Sumber: angka BPS (SP2010 dan SP2020) sebagaimana dikutip artikel Wikipedia "
                'berbahasa Jerman "Klungkung" (salinan cermin; teks CC BY-SA 4.0). Jumlah '
                "keempat kecamatan sama dengan total kabupaten (170.543 jiwa pada 2010 dan "
                "206.925 jiwa pada 2020).\n\n"
                "Catatan: tahun rasio jenis kelamin tidak disebut pada sumber (kemungkinan "
                '2020). Angka belum dicocokkan dengan publikasi "Kabupaten Klungkung Dalam '
                'Angka"; periksa publikasi BPS sebelum dipakai secara resmi. Hasil SP2020 '
                "dirilis BPS secara nasional pada 21 Januari 2021."
            ),
            "topic": "kependudukan",
            "tags": ["sensus penduduk", "SP2020", "SP2010", "kepadatan penduduk", "kecamatan"],
            "classification": "publik",
            "licence": "cc-by-sa-4.0",
            "frequency": "sepuluh_tahunan",
            "data_source": "BPS, Sensus Penduduk 2010 dan 2020 (dikutip dari Wikipedia "
            '"Klungkung", bahasa Jerman)',
            "collection_method": "pencacahan_lengkap",
            "collection_method_detail": "Sensus (pencacahan lengkap) oleh BPS; tabel ini "
            "menyalin angka yang telah terbit, tanpa perhitungan ulang.",
            "reference_codes": "kode_kecamatan: kode wilayah Kemendagri (PP.KK.CC, "
            "Kepmendagri 300.2.2-2430/2025); CSV UTF-8, titik sebagai pemisah desimal",
            "release_date": DEMO_RELEASE_DATE,
            "unit": "jiwa; km²; jiwa/km²; laki-laki per 100 perempuan",
            "presentation_level": "kecamatan",
            "regions": [REGENCY, *KECAMATAN],
            "temporal_start": 2010,
            "temporal_end": 2020,
            **_contact("Pelayanan Statistik Terpadu BPS Kabupaten Klungkung", "bps.klungkung"),
            "is_statistical": True,
            "ms_keg": _SP2020_KEG,
            "ms_ind": {
                "nama_indikator": "Kepadatan penduduk",
                "konsep": "Banyaknya penduduk per satuan luas wilayah.",
                "definisi": "Jumlah penduduk hasil SP2020 dibagi luas wilayah daratan "
                "kecamatan dalam kilometer persegi.",
                "interpretasi": "Makin besar angkanya makin padat wilayah itu; Kecamatan "
                "Klungkung (ibu kota Semarapura) paling padat, Nusa Penida paling jarang.",
                "rumus": "kepadatan = penduduk_sp2020 / luas_km2",
                "ukuran": "Rasio",
                "satuan": "jiwa per km²",
                "klasifikasi_penyajian": "Kecamatan",
                "indikator_komposit": "tidak",
                "indikator_pembangun": "Tidak ada (bukan indikator komposit)",
                "publikasi_ketersediaan": "Publikasi hasil SP2020 BPS; Kabupaten Klungkung "
                "Dalam Angka",
                "variabel_pembangun": "penduduk_sp2020, luas_km2",
                "level_estimasi": "Kecamatan",
                "akses_publik": "ya",
            },
            "ms_var": {
                "kode_kecamatan": _var(
                    "Kode kecamatan menurut Kemendagri.",
                    "teks",
                    klasifikasi_isian="Kode wilayah Kemendagri",
                ),
                "nama_kecamatan": _var("Nama kecamatan.", "teks"),
                "ibukota": _var("Ibu kota kecamatan.", "teks"),
                "luas_km2": _var("Luas wilayah kecamatan.", "desimal", alias="Luas (km²)"),
                "penduduk_sp2010": _var(
                    "Jumlah penduduk hasil Sensus Penduduk 2010.",
                    "bilangan bulat",
                    referensi_waktu="Mei 2010",
                ),
                "penduduk_sp2020": _var(
                    "Jumlah penduduk hasil Sensus Penduduk 2020.",
                    "bilangan bulat",
                    referensi_waktu="September 2020",
                ),
                "kepadatan_per_km2_2020": _var("Penduduk SP2020 per km² luas wilayah.", "desimal"),
                "rasio_jenis_kelamin": _var(
                    "Banyaknya penduduk laki-laki per 100 penduduk perempuan (tahun tidak "
                    "disebut pada sumber).",
                    "desimal",
                ),
                "jumlah_desa": _var("Banyaknya desa di kecamatan.", "bilangan bulat"),
                "jumlah_kelurahan": _var("Banyaknya kelurahan di kecamatan.", "bilangan bulat"),
                "sumber": _SOURCE_COLUMN,
            },
        },
    ),
    DemoDataset(
        slug="penduduk-kabupaten-klungkung-menurut-sumber",
        title="Jumlah Penduduk Kabupaten Klungkung menurut Sumber dan Periode, 2010-2024",
        organisation="bappeda-klungkung",
        data_file="klungkung_penduduk_kabupaten_series.csv",
        metadata={
            "description": (
                "Jumlah penduduk Kabupaten Klungkung dari beberapa produsen data dan periode: "
                "hasil sensus BPS (2010, 2020), estimasi pertengahan tahun 2022 BPS, "
                "penyebut angka kemiskinan 2024 (BPS) dan data administrasi kependudukan "
                'Semester II 2024 (Ditjen Dukcapil Kemendagri). Contoh "indikator yang sama, '
                'produsen berbeda": angka sensus/estimasi dan angka administrasi tidak boleh '
                "dibandingkan begitu saja.\n\n"
                "Sumber per baris ada di kolom sumber dan catatan: Wikipedia (en/de), "
                "databoks.katadata.co.id (mengutip BPS) dan repositori cahyadsn/wilayah "
                "(data Dukcapil Desember 2024).\n\n"
                "Catatan: baris 2021 (216.687 jiwa) berasal dari kotak info Wikipedia "
                "berbahasa Jerman tanpa produsen yang disebut — belum diverifikasi."
            ),
            "topic": "kependudukan",
            "tags": ["jumlah penduduk", "Dukcapil", "BPS", "kompilasi"],
            "classification": "publik",
            "licence": "cc-by-sa-4.0",
            "frequency": "tidak_tentu",
            "data_source": "Kompilasi Bappeda dari angka terbitan BPS dan Ditjen Dukcapil "
            "Kemendagri (sumber per baris di kolom sumber)",
            "collection_method": "cara_lain",
            "collection_method_detail": "Kompilasi data sekunder: angka yang sudah terbit "
            "disalin apa adanya, satu baris per sumber dan periode.",
            "reference_codes": "kode_wilayah: kode Kemendagri (PP.KK); periode: tahun (YYYY), "
            "bulan (YYYY-MM) atau 'YYYY-mid' untuk pertengahan tahun",
            "release_date": DEMO_RELEASE_DATE,
            "unit": "jiwa",
            "presentation_level": "kabupaten",
            "regions": [REGENCY],
            "temporal_start": 2010,
            "temporal_end": 2024,
            **_contact("Pengelola Data Bappeda", "bappeda"),
        },
    ),
    DemoDataset(
        slug="penduduk-luas-kabupaten-kota-bali-2024",
        title="Jumlah Penduduk menurut Jenis Kelamin dan Luas Wilayah Kabupaten/Kota di "
        "Provinsi Bali, Semester II 2024",
        organisation="disdukcapil-klungkung",
        data_file="bali_penduduk_kabkota_dukcapil_2024s2_luas_big.csv",
        metadata={
            "description": (
                "Penduduk laki-laki, perempuan dan total per kabupaten/kota di Provinsi Bali "
                "menurut Data Kependudukan Semester II (Desember) 2024 Ditjen Kependudukan "
                "dan Pencatatan Sipil Kemendagri, dengan luas wilayah menurut Badan Informasi "
                "Geospasial (surat B-16.10/DIGD-BIG/IGD.04.04/12/2024). Baris pertama adalah "
                "total provinsi.\n\n"
                "Sumber: repositori cahyadsn/wilayah (berkas db/wilayah_penduduk.sql dan "
                "db/wilayah_luas.sql, lisensi MIT) yang mengutip kedua instansi tersebut.\n\n"
                "Catatan: ini data administrasi (penduduk yang tercatat), bukan hasil sensus; "
                "angkanya lebih besar daripada SP2020 dan tidak setara dengan estimasi BPS."
            ),
            "topic": "kependudukan",
            "tags": ["Dukcapil", "DKB", "jenis kelamin", "luas wilayah", "Bali"],
            "classification": "publik",
            "licence": "mit",
            "frequency": "semesteran",
            "data_source": "Ditjen Dukcapil Kemendagri, Data Kependudukan Semester II 2024; "
            "luas: Badan Informasi Geospasial (via cahyadsn/wilayah)",
            "collection_method": "kompilasi_administrasi",
            "collection_method_detail": "Rekap registrasi administrasi kependudukan (SIAK) "
            "per kabupaten/kota; luas dari perhitungan BIG.",
            "reference_codes": "kode: kode wilayah Kemendagri (PP atau PP.KK); "
            "periode_penduduk: YYYY-MM",
            "release_date": DEMO_RELEASE_DATE,
            "unit": "jiwa; km²",
            "presentation_level": "kabupaten",
            "regions": ["51"],
            "temporal_start": 2024,
            "temporal_end": 2024,
            **_contact("Pengelola Data Disdukcapil", "disdukcapil"),
            "is_statistical": True,
            "ms_keg": {
                "jenis_statistik": "sektoral",
                "judul_kegiatan": "Data Kependudukan Semester II 2024 (Data Kependudukan Bersih)",
                "tahun_kegiatan": "2024",
                "sektor_kegiatan": "Kependudukan",
                "penyelenggara": "Direktorat Jenderal Kependudukan dan Pencatatan Sipil, "
                "Kementerian Dalam Negeri",
                "penanggung_jawab": "Ditjen Dukcapil Kemendagri; di daerah Dinas "
                "Kependudukan dan Pencatatan Sipil",
                "latar_belakang": "Amanat UU 23/2006 jo. UU 24/2013 tentang Administrasi "
                "Kependudukan.",
                "tujuan": "Menyajikan jumlah penduduk yang tercatat dalam administrasi "
                "kependudukan setiap semester.",
                "kegiatan_dilakukan": "berulang",
                "tipe_pengumpulan": "longitudinal_cross_sectional",
                "metode_pengumpulan": "Data sekunder: registrasi administrasi kependudukan",
                "unit_pengumpulan": "Individu (penduduk terdaftar)",
                "desain_sampel": "Tidak ada: seluruh penduduk yang terdaftar.",
                "pengolahan": "Rekap dari database kependudukan oleh Ditjen Dukcapil.",
                "metode_analisis": "Deskriptif",
                "unit_analisis": "Kabupaten/kota",
                "produk_diseminasi": "Data Kependudukan per semester (Ditjen Dukcapil).",
            },
            "ms_ind": {
                "nama_indikator": "Jumlah penduduk terdaftar",
                "konsep": "Penduduk yang tercatat dalam database kependudukan.",
                "definisi": "Banyaknya penduduk yang terdaftar pada akhir Desember 2024 "
                "menurut kabupaten/kota dan jenis kelamin.",
                "interpretasi": "Menggambarkan penduduk de jure (menurut dokumen); penduduk "
                "yang pindah tanpa melapor tetap tercatat di tempat lama.",
                "rumus": "total = laki_laki + perempuan",
                "ukuran": "Jumlah",
                "satuan": "jiwa",
                "klasifikasi_penyajian": "Kabupaten/kota; jenis kelamin",
                "publikasi_ketersediaan": "Data Kependudukan Semester II 2024, Ditjen "
                "Dukcapil Kemendagri",
                "variabel_pembangun": "laki_laki, perempuan",
                "indikator_komposit": "tidak",
                "indikator_pembangun": "Tidak ada (bukan indikator komposit)",
                "level_estimasi": "Kabupaten/kota",
                "akses_publik": "ya",
            },
            "ms_var": {
                "kode": _var("Kode wilayah Kemendagri (provinsi atau kabupaten/kota).", "teks"),
                "nama": _var("Nama wilayah.", "teks"),
                "laki_laki": _var("Penduduk laki-laki terdaftar.", "bilangan bulat"),
                "perempuan": _var("Penduduk perempuan terdaftar.", "bilangan bulat"),
                "total": _var("Jumlah penduduk terdaftar.", "bilangan bulat"),
                "luas_km2": _var("Luas wilayah menurut BIG.", "desimal"),
                "periode_penduduk": _var(
                    "Bulan data kependudukan.", "teks", referensi_waktu="Desember 2024"
                ),
            },
        },
    ),
    DemoDataset(
        slug="penduduk-kabupaten-kota-bali-sp2020",
        title="Luas Wilayah, Penduduk Hasil SP2020 dan Jumlah Wilayah Administrasi menurut "
        "Kabupaten/Kota di Provinsi Bali",
        organisation="bappeda-klungkung",
        data_file="bali_kabkota_sp2020.csv",
        metadata={
            "description": (
                "Sembilan kabupaten/kota di Bali: luas wilayah, penduduk hasil Sensus Penduduk "
                "2020, kepadatan, serta jumlah kecamatan, kelurahan dan desa. Dipakai Bappeda "
                "sebagai pembanding antardaerah.\n\n"
                'Sumber: Wikipedia bahasa Inggris "List of districts in Bali" (CC BY-SA 4.0) '
                "yang mengutip BPS. Nama wilayah tertulis dalam bahasa Inggris seperti pada "
                "sumber.\n\n"
                "Catatan: jumlah kesembilan baris 4.316.874 jiwa, sedangkan baris total pada "
                "sumber 4.317.404 — selisih di sumber dibiarkan apa adanya. Luas di sini "
                "berbeda dengan luas BIG pada dataset Dukcapil 2024; salah ketik kode "
                "51,01 pada sumber dibetulkan menjadi 51.01."
            ),
            "topic": "kependudukan",
            "tags": ["SP2020", "kepadatan penduduk", "Bali", "wilayah administrasi"],
            "classification": "publik",
            "licence": "cc-by-sa-4.0",
            "frequency": "sepuluh_tahunan",
            "data_source": 'BPS, Sensus Penduduk 2020 (dikutip dari Wikipedia "List of '
            'districts in Bali")',
            "collection_method": "pencacahan_lengkap",
            "collection_method_detail": "Angka sensus yang telah terbit disalin; jumlah "
            "kecamatan/kelurahan/desa menurut sumber yang sama.",
            "reference_codes": "kode: kode wilayah Kemendagri (PP.KK); CSV UTF-8",
            "release_date": DEMO_RELEASE_DATE,
            "unit": "km²; jiwa; jiwa/km²; wilayah",
            "presentation_level": "kabupaten",
            "regions": ["51"],
            "temporal_start": 2020,
            "temporal_end": 2020,
            **_contact("Pengelola Data Bappeda", "bappeda"),
            "is_statistical": True,
            "ms_keg": _SP2020_KEG,
            "ms_ind": {
                "nama_indikator": "Kepadatan penduduk kabupaten/kota",
                "konsep": "Banyaknya penduduk per satuan luas wilayah.",
                "definisi": "Penduduk hasil SP2020 dibagi luas wilayah kabupaten/kota (km²).",
                "interpretasi": "Kota Denpasar jauh paling padat; kabupaten di utara dan "
                "barat Bali paling jarang.",
                "rumus": "kepadatan_per_km2 = penduduk_sp2020 / luas_km2",
                "ukuran": "Rasio",
                "satuan": "jiwa per km²",
                "klasifikasi_penyajian": "Kabupaten/kota",
                "indikator_komposit": "tidak",
                "indikator_pembangun": "Tidak ada (bukan indikator komposit)",
                "publikasi_ketersediaan": "Publikasi hasil SP2020 BPS",
                "variabel_pembangun": "penduduk_sp2020, luas_km2",
                "level_estimasi": "Kabupaten/kota",
                "akses_publik": "ya",
            },
            "ms_var": {
                "kode": _var("Kode kabupaten/kota menurut Kemendagri.", "teks"),
                "nama": _var("Nama kabupaten/kota (bahasa Inggris, seperti sumber).", "teks"),
                "luas_km2": _var("Luas wilayah.", "desimal"),
                "penduduk_sp2020": _var(
                    "Penduduk hasil Sensus Penduduk 2020.",
                    "bilangan bulat",
                    referensi_waktu="September 2020",
                ),
                "kepadatan_per_km2": _var("Penduduk SP2020 per km².", "desimal"),
                "jumlah_kecamatan": _var("Banyaknya kecamatan.", "bilangan bulat"),
                "jumlah_kelurahan": _var("Banyaknya kelurahan.", "bilangan bulat"),
                "jumlah_desa": _var("Banyaknya desa.", "bilangan bulat"),
                "sumber": _SOURCE_COLUMN,
            },
        },
    ),
    DemoDataset(
        slug="kemiskinan-kabupaten-klungkung",
        title="Persentase dan Jumlah Penduduk Miskin Kabupaten Klungkung",
        organisation="bps-klungkung",
        data_file="klungkung_kemiskinan.csv",
        metadata={
            "description": (
                "Persentase penduduk miskin dan jumlah penduduk miskin Kabupaten Klungkung "
                "untuk tahun-tahun yang angkanya disebut secara eksplisit pada sumber: 2006, "
                "2020, 2022, 2023 dan 2024.\n\n"
                "Sumber: databoks.katadata.co.id (mengutip BPS, seri 2004-2024) dan Bali Post "
                '5 Januari 2024 (mengutip "Analisis Kemiskinan Kabupaten Klungkung 2023" '
                "BPS).\n\n"
                "Catatan: seri lengkap 2004-2024 tidak tersedia; sel kosong berarti angka "
                "tidak disebut pada sumber, bukan nol. Tahun 2006 adalah persentase tertinggi "
                "dan 2020 terendah pada periode 2004-2024 menurut databoks."
            ),
            "topic": "sosial",
            "tags": ["kemiskinan", "penduduk miskin", "Susenas", "SDGs"],
            "classification": "publik",
            "licence": "cc-by-4.0",
            "frequency": "tahunan",
            "data_source": "BPS (Susenas), dikutip databoks.katadata.co.id dan Bali Post",
            "collection_method": "survei",
            "collection_method_detail": "Survei Sosial Ekonomi Nasional (Susenas) BPS, "
            "pendekatan kebutuhan dasar; angka disalin dari sumber sekunder.",
            "reference_codes": "kode_wilayah: kode Kemendagri (PP.KK); tahun: YYYY",
            "release_date": DEMO_RELEASE_DATE,
            "unit": "persen; jiwa",
            "presentation_level": "kabupaten",
            "regions": [REGENCY],
            "temporal_start": 2006,
            "temporal_end": 2024,
            **_contact("Pelayanan Statistik Terpadu BPS Kabupaten Klungkung", "bps.klungkung"),
            "is_statistical": True,
            "ms_keg": {
                "jenis_statistik": "dasar",
                "judul_kegiatan": "Survei Sosial Ekonomi Nasional (Susenas)",
                "tahun_kegiatan": "2024",
                "sektor_kegiatan": "Sosial; kemiskinan",
                "penyelenggara": "Badan Pusat Statistik (BPS)",
                "penanggung_jawab": "BPS; di daerah BPS Kabupaten Klungkung (nama petugas "
                "tidak dicantumkan dalam demo)",
                "latar_belakang": "Angka kemiskinan dipakai untuk perencanaan dan evaluasi "
                "program penanggulangan kemiskinan.",
                "tujuan": "Mengukur tingkat kemiskinan dan kondisi sosial ekonomi rumah tangga.",
                "kegiatan_dilakukan": "berulang",
                "tipe_pengumpulan": "cross_sectional",
                "metode_pengumpulan": "Wawancara rumah tangga sampel",
                "unit_pengumpulan": "Rumah tangga",
                "desain_sampel": "Sampel probabilitas rumah tangga (rancangan BPS; rincian "
                "tidak disalin dalam demo).",
                "pengolahan": "Pengolahan dan estimasi oleh BPS; portal ini menyalin angka "
                "terbitan.",
                "metode_analisis": "Estimasi berbasis sampel (pendekatan kebutuhan dasar)",
                "unit_analisis": "Kabupaten/kota",
                "produk_diseminasi": "Berita resmi statistik kemiskinan; Analisis Kemiskinan "
                "Kabupaten Klungkung",
            },
            "ms_ind": {
                "nama_indikator": "Persentase penduduk miskin (P0)",
                "konsep": "Penduduk miskin adalah penduduk dengan rata-rata pengeluaran per "
                "kapita per bulan di bawah garis kemiskinan.",
                "definisi": "Persentase penduduk yang berada di bawah garis kemiskinan "
                "terhadap seluruh penduduk.",
                "interpretasi": "Makin tinggi angkanya makin besar bagian penduduk yang "
                "miskin; bandingkan antartahun dengan memperhatikan galat sampling.",
                "rumus": "P0 = (jumlah penduduk miskin / jumlah penduduk) * 100",
                "ukuran": "Persentase",
                "satuan": "persen",
                "klasifikasi_penyajian": "Kabupaten/kota",
                "indikator_komposit": "tidak",
                "indikator_pembangun": "Tidak ada (bukan indikator komposit)",
                "publikasi_ketersediaan": "Berita resmi statistik kemiskinan; Analisis "
                "Kemiskinan Kabupaten Klungkung (BPS)",
                "variabel_pembangun": "jumlah_penduduk_miskin_jiwa, jumlah penduduk",
                "level_estimasi": "Kabupaten/kota",
                "akses_publik": "ya",
            },
            "ms_var": {
                "kode_wilayah": _var("Kode wilayah Kemendagri.", "teks"),
                "tahun": _var("Tahun data.", "bilangan bulat"),
                "persentase_penduduk_miskin": _var(
                    "Persentase penduduk di bawah garis kemiskinan (kosong = tidak disebut).",
                    "desimal",
                ),
                "jumlah_penduduk_miskin_jiwa": _var(
                    "Banyaknya penduduk miskin (kosong = tidak disebut).", "bilangan bulat"
                ),
                "sumber": _SOURCE_COLUMN,
                "catatan": _NOTE_COLUMN,
            },
        },
    ),
    DemoDataset(
        slug="kunjungan-wisatawan-nusa-penida-bulanan",
        title="Jumlah Kunjungan Wisatawan ke Kecamatan Nusa Penida per Bulan",
        organisation="dispar-klungkung",
        data_file="nusa_penida_kunjungan_wisatawan_bulanan.csv",
        metadata={
            "description": (
                "Jumlah wisatawan yang masuk ke Kecamatan Nusa Penida (Nusa Penida, Nusa "
                "Lembongan dan Nusa Ceningan) pada Mei, Juni dan Juli 2024, serta angka "
                "perkiraan Juli 2023 sebagai pembanding.\n\n"
                "Sumber: pernyataan Kepala Dinas Pariwisata Kabupaten Klungkung yang dimuat "
                'detik.com ("Turis ke Nusa Penida sumbang pendapatan ke Klungkung Rp 26 '
                'miliar"); jumlah dihitung dari tiket retribusi.\n\n'
                'Catatan: hanya empat bulan yang disebut; angka Juli 2023 ("hanya masuk 65 '
                'ribu") dibulatkan. Wisatawan tanpa tiket retribusi tidak terhitung.'
            ),
            "topic": "pariwisata",
            "tags": ["wisatawan", "Nusa Penida", "retribusi", "bulanan"],
            "classification": "publik",
            "licence": "cc-by-4.0",
            "frequency": "bulanan",
            "data_source": "Dinas Pariwisata Kabupaten Klungkung (tiket retribusi), "
            "dikutip detik.com",
            "collection_method": "kompilasi_administrasi",
            "collection_method_detail": "Penghitungan tiket retribusi masuk kawasan Nusa Penida.",
            "reference_codes": "kode_kecamatan: kode Kemendagri (PP.KK.CC); periode: YYYY-MM",
            "release_date": DEMO_RELEASE_DATE,
            "unit": "orang",
            "presentation_level": "kecamatan",
            "regions": ["51.05.01"],
            "temporal_start": 2023,
            "temporal_end": 2024,
            **_contact("Pengelola Data Dinas Pariwisata", "dispar"),
        },
    ),
    DemoDataset(
        slug="retribusi-pariwisata-kabupaten-klungkung",
        title="Target dan Realisasi Retribusi Pariwisata Kabupaten Klungkung, 2023-2025",
        organisation="dispar-klungkung",
        data_file="klungkung_retribusi_pariwisata.csv",
        metadata={
            "description": (
                "Target dan realisasi pendapatan asli daerah (PAD) dari retribusi pariwisata "
                "Kabupaten Klungkung 2023-2025, realisasi retribusi kawasan Nusa Penida 2024, "
                "serta jumlah kunjungan wisatawan 2024 dan targetnya untuk 2025.\n\n"
                "Sumber: detik.com, balinews.id dan Tribun Bali (19 Agustus 2025), yang "
                "mengutip Dinas Pariwisata dan pejabat daerah; alamat per baris di kolom "
                "sumber.\n\n"
                'Catatan: beberapa angka dibulatkan pada sumber ("sekitar 1 juta orang", '
                '"Rp 28 miliar"); lihat kolom catatan. Baris target bukan realisasi.'
            ),
            "topic": "pariwisata",
            "tags": ["retribusi", "PAD", "pendapatan daerah", "wisatawan", "Nusa Penida"],
            "classification": "publik",
            "licence": "cc-by-4.0",
            "frequency": "tahunan",
            "data_source": "Dinas Pariwisata Kabupaten Klungkung, dikutip detik.com, "
            "balinews.id dan Tribun Bali",
            "collection_method": "kompilasi_administrasi",
            "collection_method_detail": "Catatan penerimaan retribusi daerah dan target "
            "APBD; angka disalin dari pemberitaan.",
            "reference_codes": "kode_wilayah: kode Kemendagri (PP.KK atau PP.KK.CC); "
            "satuan: rupiah atau orang",
            "release_date": DEMO_RELEASE_DATE,
            "unit": "rupiah; orang",
            "presentation_level": "kabupaten",
            "regions": [REGENCY, "51.05.01"],
            "temporal_start": 2023,
            "temporal_end": 2025,
            **_contact("Pengelola Data Dinas Pariwisata", "dispar"),
        },
    ),
    DemoDataset(
        slug="puskesmas-pembantu-kabupaten-klungkung",
        title="Daftar Puskesmas Pembantu (Pustu) di Kabupaten Klungkung (sebagian)",
        organisation="dinkes-klungkung",
        data_file="klungkung_pustu_sebagian.csv",
        metadata={
            "description": (
                "Daftar sebagian (23 baris) puskesmas pembantu di Kabupaten Klungkung beserta "
                "puskesmas induknya dan kode desa Kemendagri tempatnya berada.\n\n"
                "Sumber: halaman DREAMS Kementerian Kesehatan (dreams.kemkes.go.id, daftar "
                "SKM Pustu Provinsi Bali); salinan halaman yang tersedia terpotong, sehingga "
                "daftar ini TIDAK lengkap.\n\n"
                "Catatan: kolom desa_dari_nama, puskesmas_induk_dari_nama dan "
                "kode_desa_kemendagri_hasil_cocok diturunkan dari nama fasilitas dengan "
                "pencocokan nama (misalnya KELOD → Klod), bukan dari Kemenkes; periksa "
                "sebelum dipakai. Tahun cakupan adalah tahun halaman dibaca untuk demo ini "
                "(2026); tanggal pemutakhiran di Kemenkes tidak diketahui."
            ),
            "topic": "kesehatan",
            "tags": ["puskesmas", "pustu", "fasilitas kesehatan", "desa"],
            "classification": "publik",
            "licence": "cc-by-4.0",
            "frequency": "tidak_tentu",
            "data_source": "Kementerian Kesehatan, aplikasi DREAMS (daftar Pustu Provinsi Bali)",
            "collection_method": "kompilasi_administrasi",
            "collection_method_detail": "Daftar fasilitas dari aplikasi Kemenkes; kode desa "
            "dicocokkan dari nama oleh pengolah data.",
            "reference_codes": "kode_desa_kemendagri_hasil_cocok: kode desa/kelurahan "
            "Kemendagri (PP.KK.CC.DDDD)",
            "release_date": DEMO_RELEASE_DATE,
            "unit": "fasilitas",
            "presentation_level": "desa",
            "regions": [REGENCY, *KECAMATAN],
            # The state of the list when the page was read for this demo (2026).
            "temporal_start": 2026,
            "temporal_end": 2026,
            **_contact("Pengelola Data Dinas Kesehatan", "dinkes"),
        },
    ),
    DemoDataset(
        slug="batas-desa-kelurahan-kabupaten-klungkung",
        title="Batas Wilayah Desa dan Kelurahan Kabupaten Klungkung",
        organisation="bappeda-klungkung",
        data_file=BOUNDARIES,
        metadata={
            "description": (
                "Poligon batas 59 desa dan kelurahan di Kabupaten Klungkung (GeoJSON), satu "
                "baris per desa/kelurahan dengan kode Kemendagri (kode), nama, tingkat "
                "(level), kode kecamatan induk (parent_kode), titik tengah (lat, lng) "
                "dan geometri.\n\n"
                "Sumber: repositori cahyadsn/wilayah_boundaries (lisensi MIT) yang menyebut "
                "poligonnya berasal dari Badan Informasi Geospasial; koordinat ditukar dari "
                "[lat, lng] ke urutan GeoJSON [lng, lat]. Berkas yang diunggah sama persis "
                "dengan data batas yang dipaket bersama modul wilayah.\n\n"
                "Catatan: poligon sudah disederhanakan dan kasar — jangan dipakai untuk "
                "penetapan batas. Sistem koordinat tidak disebut pada sumber dan dianggap "
                "WGS84 (EPSG:4326). Dua multipoligon diperbaiki (make_valid, perubahan luas "
                "< 0,01 %)."
            ),
            "topic": "geospasial",
            "tags": ["batas wilayah", "desa", "kelurahan", "GeoJSON", "peta"],
            "classification": "publik",
            "licence": "mit",
            "frequency": "tidak_tentu",
            "data_source": "Badan Informasi Geospasial, via cahyadsn/wilayah_boundaries",
            "collection_method": "cara_lain",
            "collection_method_detail": "Digitasi batas oleh BIG, disederhanakan oleh "
            "penyusun repositori; tidak ada penyederhanaan tambahan.",
            "reference_codes": "kode: kode wilayah Kemendagri (PP.KK.CC.DDDD, Kepmendagri "
            "300.2.2-2430/2025); geometri: GeoJSON RFC 7946, WGS84",
            "release_date": DEMO_RELEASE_DATE,
            "unit": "derajat (bujur, lintang)",
            "presentation_level": "desa",
            "regions": [REGENCY, *KECAMATAN],
            # Codes per Kepmendagri 2025; the boundary files are the repository's 2026 version.
            "temporal_start": 2025,
            "temporal_end": 2026,
            "is_spatial": True,
            **_contact("Pengelola Data Geospasial Bappeda", "bappeda"),
        },
    ),
    DemoDataset(
        slug="jumlah-sekolah-dan-murid-per-kecamatan",
        title="Jumlah Sekolah dan Murid per Kecamatan di Kabupaten Klungkung",
        organisation="disdik-klungkung",
        publish=False,
        metadata={
            "description": (
                "Draf: Dinas Pendidikan sedang menyiapkan tabel ini. Demo tidak memuat "
                "angkanya karena tidak ada sumber terbuka yang dapat dikutip; dataset ini "
                "menunjukkan bahwa draf hanya terlihat oleh OPD pemiliknya dan walidata."
            ),
            "topic": "pendidikan",
            "tags": ["sekolah", "murid", "draf"],
            "classification": "publik",
            "frequency": "tahunan",
            "data_source": "Dinas Pendidikan Kabupaten Klungkung (Dapodik)",
            "collection_method": "kompilasi_administrasi",
            "presentation_level": "kecamatan",
            "regions": [REGENCY, *KECAMATAN],
            **_contact("Pengelola Data Dinas Pendidikan", "disdik"),
        },
    ),
    DemoDataset(
        slug="rekap-dtks-per-desa",
        title="Rekapitulasi Data Terpadu Kesejahteraan Sosial (DTKS) per Desa",
        organisation="dinsos-klungkung",
        publish=False,
        metadata={
            "description": (
                "Dataset terbatas (hanya untuk perangkat daerah): rekap jumlah keluarga dalam "
                "DTKS per desa. Demo tidak memuat angkanya karena berasal dari data "
                "perorangan; dataset ini menunjukkan bahwa klasifikasi terbatas tidak pernah "
                "tampil bagi publik."
            ),
            "topic": "sosial",
            "tags": ["DTKS", "kesejahteraan sosial", "terbatas"],
            "classification": "terbatas",
            "licence": "other-closed",
            "frequency": "triwulanan",
            "data_source": "Kementerian Sosial / Dinas Sosial Kabupaten Klungkung (SIKS-NG)",
            "collection_method": "kompilasi_administrasi",
            "presentation_level": "desa",
            "regions": [REGENCY],
            **_contact("Pengelola Data Dinas Sosial", "dinsos"),
        },
    ),
)
