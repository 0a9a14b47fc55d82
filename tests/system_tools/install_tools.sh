#!/bin/sh
# Install the Debian packages the interoperability tests (SR, SEG, PACS) need:
#   dicom3tools       dciodvfy, the DICOM IOD validator (checks written SR and SEG)
#   pixelmed-apps     PixelMed jars, for com.pixelmed.validate.DicomSRValidator
#   orthanc           a real PACS for the DICOMweb tests
#   orthanc-dicomweb  Orthanc's DICOMweb plugin (QIDO-RS, WADO-RS, STOW-RS)
# Run as root (or through sudo). Safe to run again: apt-get skips installed packages.
set -eu
if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
else
    SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends \
    dicom3tools pixelmed-apps orthanc orthanc-dicomweb
# The orthanc package starts a system service where systemd runs; the tests start their
# own server on a free port with a temporary configuration, so the service is not needed.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet orthanc 2>/dev/null; then
    $SUDO systemctl stop orthanc || true
fi
