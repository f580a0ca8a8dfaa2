// Faxes in and out per day as a bar chart in plain SVG: two series and thirty bars do not need a
// chart library (that would add ~100 kB to a bundle served over the LAN). The same figures are in a
// table for screen readers, and each bar has a title for pointer users.

import { Box, Stack, Typography } from '@mui/material';
import type { DailyActivity } from '../api/types.ts';
import { visuallyHidden } from '../layout/data-list.tsx';

const IN_COLOUR = '#0b5563';
const OUT_COLOUR = '#b45309';

export function DailyChart({ days }: { days: DailyActivity[] }) {
  const height = 140;
  const barWidth = 8;
  const gap = 4;
  const group = barWidth * 2 + gap;
  const width = days.length * group;
  const max = Math.max(1, ...days.map((d) => Math.max(d.inboundFaxes, d.outboundFaxes)));
  const scale = (n: number) => (n / max) * (height - 16);
  const label = (d: DailyActivity) =>
    `${d.day}: ${d.inboundFaxes} received (${d.inboundPages} pages), ${d.outboundFaxes} sent (${d.outboundPages} pages)`;
  return (
    <Box>
      <Stack direction="row" sx={{ gap: 2, mb: 1, flexWrap: 'wrap' }} aria-hidden="true">
        <Legend colour={IN_COLOUR} text="Received" />
        <Legend colour={OUT_COLOUR} text="Sent" />
        <Typography variant="caption" color="text.secondary">
          busiest day: {max} {max === 1 ? 'fax' : 'faxes'}
        </Typography>
      </Stack>
      <Box sx={{ width: '100%', overflow: 'hidden' }}>
        <svg
          viewBox={`0 0 ${width} ${height + 14}`}
          width="100%"
          height={height + 14}
          preserveAspectRatio="none"
          role="img"
          aria-label={`Faxes received and sent per day, the last ${days.length} days`}
          data-testid="daily-chart"
        >
          <line x1={0} x2={width} y1={height} y2={height} stroke="#6b7280" strokeWidth={0.5} />
          {days.map((d, i) => (
            <g key={d.day}>
              <title>{label(d)}</title>
              <rect
                x={i * group}
                y={height - scale(d.inboundFaxes)}
                width={barWidth}
                height={scale(d.inboundFaxes)}
                fill={IN_COLOUR}
              />
              <rect
                x={i * group + barWidth}
                y={height - scale(d.outboundFaxes)}
                width={barWidth}
                height={scale(d.outboundFaxes)}
                fill={OUT_COLOUR}
              />
            </g>
          ))}
        </svg>
      </Box>
      <Stack direction="row" sx={{ justifyContent: 'space-between' }} aria-hidden="true">
        <Typography variant="caption" color="text.secondary">
          {days[0]?.day}
        </Typography>
        <Typography variant="caption" color="text.secondary">
          today
        </Typography>
      </Stack>
      <table style={visuallyHidden}>
        <caption>Faxes per day</caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col">Received</th>
            <th scope="col">Sent</th>
          </tr>
        </thead>
        <tbody>
          {days.map((d) => (
            <tr key={d.day}>
              <th scope="row">{d.day}</th>
              <td>{d.inboundFaxes}</td>
              <td>{d.outboundFaxes}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Box>
  );
}

function Legend({ colour, text }: { colour: string; text: string }) {
  return (
    <Stack direction="row" sx={{ alignItems: 'center', gap: 0.5 }}>
      <Box sx={{ width: 12, height: 12, bgcolor: colour, borderRadius: 0.5 }} />
      <Typography variant="caption">{text}</Typography>
    </Stack>
  );
}
