// Drive a real OHIF (served by `recist viewer`) in Debian's Chromium, headless, and print
// what OHIF itself shows as JSON. Used by tests/recist/pipeline/test_viewer_ohif.py.
//
// Usage: node ohif_round_trip.js VIEWER_URL STUDY_UID OUT_DIR DRAW_JSON
//   DRAW_JSON: {"sop": SOP Instance UID of the image to draw on, "label": lesion label,
//               "report": report name, "from": [x, y], "to": [x, y]} (pixel column/row
//               of the long axis ends)
// Steps:
//   1. recist -> OHIF: double-click the study's SR (our export-sr) and answer "Yes" to OHIF's
//      prompt to track (restore) its measurements; read the measurement service and the
//      measurement panel; screenshot.
//   2. the study's SEG (our export-seg): double-click it and press its LOAD button; read the
//      segmentation service, count each segment's voxels in OHIF's labelmap; screenshot.
//   3. OHIF -> recist: on a fresh page, activate OHIF's Bidirectional tool, drag its long
//      axis with the mouse on the image, label it through OHIF's rename dialog, and save
//      it with the measurement panel's "Create SR" button and report dialog (OHIF writes
//      the SR and stores it in the viewer's Orthanc by STOW-RS).
"use strict";
const path = require("path");
const { chromium } = require("playwright-core");

const [url, studyUid, outDir, drawJson] = process.argv.slice(2);
const draw = JSON.parse(drawJson);
const CHROMIUM = process.env.RECIST_CHROMIUM || "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
    "--no-first-run", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--use-gl=swiftshader", "--enable-unsafe-swiftshader"];
const log = (...a) => process.stderr.write(a.join(" ") + "\n");

async function openStudy(browser) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on("pageerror", e => log("page error:", e.message));
    await page.goto(`${url}/viewer?StudyInstanceUIDs=${studyUid}`);
    await page.waitForFunction(() => {
        const s = window.services;
        if (!s || !window.cornerstone) return false;
        const engine = window.cornerstone.getRenderingEngines()[0];
        const viewport = engine && engine.getViewports()[0];
        return Boolean(viewport && viewport.getCurrentImageId && viewport.getCurrentImageId());
    }, null, { timeout: 90000 });
    await skipTour(page);
    return page;
}

async function skipTour(page) {
    const skip = page.getByText("Skip all");
    try {
        await skip.waitFor({ timeout: 3000 });
        await skip.click();
    } catch (e) { /* no tour shown */ }
}

const PANELS = {
    measurements: "@ohif/extension-measurement-tracking.panelModule.trackedMeasurements",
    segmentation: "@ohif/extension-cornerstone.panelModule.panelSegmentation",
};

async function showPanel(page, name) {
    await page.evaluate(id => window.services.panelService.activatePanel(id, true),
        PANELS[name]);
    await page.waitForTimeout(1000);
}

async function activeViewport(page) {
    return page.evaluate(() => window.services.viewportGridService.getActiveViewportId());
}

async function srStep(page) {
    // As a radiologist does: double-click the SR in the study browser, and answer "Yes"
    // to OHIF's "continue tracking measurements for this study?" (its hydration prompt).
    const description = await page.evaluate(() => {
        const sr = window.services.displaySetService.getActiveDisplaySets()
            .find(d => d.Modality === "SR");
        return sr ? sr.SeriesDescription : null;
    });
    if (!description) return { error: "no SR display set" };
    await page.getByText(description, { exact: true }).dblclick();
    await page.getByText("continue tracking measurements for this study?").waitFor({ timeout: 60000 });
    await page.getByRole("button", { name: "Yes", exact: true }).click();
    await page.waitForFunction(() => window.services.measurementService.getMeasurements().length > 0,
        null, { timeout: 60000 });
    await page.waitForTimeout(1000);
    const result = await page.evaluate(async () => {
        const { displaySetService, measurementService } = window.services;
        const sr = displaySetService.getActiveDisplaySets().find(d => d.Modality === "SR");
        if (!sr) return { error: "no SR display set" };
        const annotationOf = uid => window.cornerstoneTools.annotation.state.getAnnotation(uid);
        return {
            rehydratable: Boolean(sr.isRehydratable),
            measurements: measurementService.getMeasurements().map(m => {
                const annotation = annotationOf(m.uid);
                const points = annotation ? annotation.data.handles.points : [];
                const stats = Object.values(m.data || {})[0] || {};
                return {
                    uid: m.uid, label: m.label, toolName: m.toolName,
                    sop: m.SOPInstanceUID || null,
                    imageId: m.referencedImageId || null,
                    length: stats.length, width: stats.width, unit: stats.unit,
                    displayText: m.displayText, points,
                };
            }),
        };
    });
    return result;
}

async function segStep(page) {
    // As a radiologist does: double-click the SEG in the study browser, then its LOAD button.
    const description = await page.evaluate(() => {
        const seg = window.services.displaySetService.getActiveDisplaySets()
            .find(d => d.Modality === "SEG");
        return seg ? seg.SeriesDescription : null;
    });
    if (!description) return { error: "no SEG display set" };
    await page.getByText(description, { exact: true }).dblclick();
    await page.getByText(/^load$/i).first().click({ timeout: 60000 });
    const viewportId = await activeViewport(page);
    return page.evaluate(async viewportId => {
        const { segmentationService } = window.services;
        const deadline = Date.now() + 60000;
        while (!segmentationService.getSegmentations().length && Date.now() < deadline) {
            await new Promise(r => setTimeout(r, 250));
        }
        const { cache } = window.cornerstone;
        return {
            segmentations: segmentationService.getSegmentations().map(s => {
                const labelmap = s.representationData.Labelmap || {};
                const counts = {};
                for (const imageId of labelmap.imageIds || []) {
                    const image = cache.getImage(imageId);
                    if (!image) continue;
                    const pixels = image.getPixelData();
                    for (let i = 0; i < pixels.length; i++) {
                        if (pixels[i]) counts[pixels[i]] = (counts[pixels[i]] || 0) + 1;
                    }
                }
                return {
                    label: s.label,
                    segments: Object.values(s.segments).filter(Boolean).map(g => ({
                        index: g.segmentIndex, label: g.label, voxels: counts[g.segmentIndex] || 0,
                    })),
                };
            }),
        };
    }, viewportId);
}

async function drawStep(page) {
    const viewportId = await activeViewport(page);
    // Show the image to draw on, and make OHIF's Bidirectional tool the active one.
    const where = await page.evaluate(async ({ viewportId, draw }) => {
        const { cornerstoneViewportService } = window.services;
        const viewport = cornerstoneViewportService.getCornerstoneViewport(viewportId);
        const index = viewport.getImageIds().findIndex(id => id.includes(`/instances/${draw.sop}/`));
        if (index < 0) return { error: `image ${draw.sop} not in the viewport` };
        await viewport.setImageIdIndex(index);
        window.commandsManager.runCommand("setToolActive", { toolName: "Bidirectional" });
        const imageId = viewport.getCurrentImageId();
        const { imageToWorldCoords } = window.cornerstone.utilities;
        const rect = viewport.canvas.getBoundingClientRect();
        const toPage = xy => {
            const [cx, cy] = viewport.worldToCanvas(imageToWorldCoords(imageId, xy));
            return [rect.left + cx, rect.top + cy];
        };
        return { index, imageId, from: toPage(draw.from), to: toPage(draw.to) };
    }, { viewportId, draw });
    if (where.error) return where;
    await page.waitForTimeout(1000);
    // A radiologist's drag: press at one end of the long axis, move, release at the other.
    await page.mouse.move(...where.from);
    await page.mouse.down();
    await page.mouse.move(...where.to, { steps: 12 });
    await page.mouse.up();
    await page.waitForFunction(() => window.services.measurementService.getMeasurements().length === 1,
        null, { timeout: 30000 });
    // OHIF asks whether to track this series' measurements: yes, as a radiologist would.
    await page.getByText("Track measurements for this series?").waitFor({ timeout: 30000 });
    await page.getByRole("button", { name: "Yes", exact: true }).click();
    await page.waitForTimeout(500);
    const uid = await page.evaluate(() => window.services.measurementService.getMeasurements()[0].uid);
    // Label it as a user does: OHIF's rename dialog, typed, Enter.
    page.evaluate(uid => window.commandsManager.runCommand("renameMeasurement", { uid }), uid);
    const input = page.locator("input[type=text], input:not([type])").last();
    await input.waitFor({ timeout: 10000 });
    await input.fill("");
    await input.type(draw.label);
    await input.press("Enter");
    await page.waitForFunction(label => window.services.measurementService.getMeasurements()[0].label === label,
        draw.label, { timeout: 10000 });
    await showPanel(page, "measurements");
    const shown = await page.evaluate(() => {
        const m = window.services.measurementService.getMeasurements()[0];
        const annotation = window.cornerstoneTools.annotation.state.getAnnotation(m.uid);
        const stats = Object.values(m.data || {})[0] || {};
        return { uid: m.uid, label: m.label, toolName: m.toolName, sop: m.SOPInstanceUID,
                 length: stats.length, width: stats.width, unit: stats.unit,
                 displayText: m.displayText, points: annotation.data.handles.points };
    });
    shown.panelText = await page.evaluate(() => document.body.innerText);
    await page.screenshot({ path: path.join(outDir, "ohif_drawn.png") });
    // Save as a user does: "Create SR" in the measurement panel, a report name, "Save";
    // OHIF writes the SR with its own adapter and stores it in Orthanc (STOW-RS).
    await page.getByText("Create SR", { exact: true }).click();
    const name = page.getByPlaceholder("Report name");
    await name.waitFor({ timeout: 15000 });
    await name.fill(draw.report);
    await page.getByRole("button", { name: "Save", exact: true }).click();
    shown.saved = await page.waitForFunction(report => {
        const found = window.services.displaySetService.getActiveDisplaySets()
            .find(d => d.Modality === "SR" && d.SeriesDescription === report);
        return found ? { series: found.SeriesInstanceUID } : null;
    }, draw.report, { timeout: 60000 }).then(handle => handle.jsonValue());
    return shown;
}

(async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    const out = {};
    try {
        const page = await openStudy(browser);
        out.sr = await srStep(page);
        if (!out.sr.error) {
            await showPanel(page, "measurements");
            await page.evaluate(uid => window.commandsManager.runCommand("jumpToMeasurement",
                { uid }), out.sr.measurements[0].uid);
            await page.waitForTimeout(1500);
            out.sr.panelText = await page.evaluate(() => document.body.innerText);
            await page.screenshot({ path: path.join(outDir, "ohif_sr.png") });
        }
        out.seg = await segStep(page);
        if (!out.seg.error) {
            await showPanel(page, "segmentation");
            await page.waitForTimeout(1500);
            out.seg.panelText = await page.evaluate(() => document.body.innerText);
            await page.screenshot({ path: path.join(outDir, "ohif_seg.png") });
        }
        await page.close();
        if (draw.sop) out.drawn = await drawStep(await openStudy(browser));
    } finally {
        await browser.close();
    }
    process.stdout.write(JSON.stringify(out));
})().catch(e => { log("failed:", e.stack || e); process.exit(1); });
