# Calls to gather, the places they name, and the words that make a post no announcement.
# Read by websense-announce (docs/announcements.md). Same line format as the scoring
# lexicons (../README.md): term | weight | kind | exclusions. Weights are unused here.
# Matching ignores case, accents and punctuation between words, as for lexicon terms.

name: oproepen
languages: nl, en

[oproep]
kom allemaal
komt allemaal
kom allen
allemaal komen
allemaal naar
iedereen naar
iedereen komen
iedereen moet komen
iedereen is welkom
iedereen welkom
verzamelen
verzamel                        # the imperative; not verzamelt, verzameling (no call)
verzamelpunt
verzamelplek
verzamelen we
verzameluh
verzamelplaats
samenkomen
samenkomst
deel dit
deel dit massaal
delen delen delen
dit moet gedeeld
massaal delen
doorsturen
stuur door
opkomen
opkomst
kom op voor
laat je zien
laat je horen
zie je daar
zie jullie daar
zien jullie daar
tot dan
wie niet komt
jullie weten wat je moet doen
jullie weten wat te doen
je weet wat je moet doen
je weet wat je te doen staat
wees erbij
allen erheen
iedereen erheen
we gaan los
gaan los
we gaan knallen
knallen
rellen
relletje*
rel schoppen
rellen schoppen
demo
demonstratie                    # not demonstratieverbod, demonstratieregels
demonstraties
demonstreren
demonstreer
protest
protesteren
protestactie*
protestmars
manifestatie
mars                            | 1 | | mars reep
stille tocht
actie voeren
actievoeren
blokkade
blokkeren
bezetten
de straat op
straat op
massaal naar
massaal komen
opstaan
alle hens aan dek
# slang and common misspellings
kom allemaaal
komm allemaal
kommen allemaal
iedereeen
verzamuluh
demonstartie
protets
ff verzamelen
pull up
# English
everyone come
come all
come out
all come
show up
turn out
gather
gathering
rally
protest march
march on
be there
see you there
spread the word
share this
share widely
riot
join us

[oproep_zwak]
we gaan
gaan we
wij gaan
ga je mee
gaan jullie mee
kom ook
komen jullie
kom
komen
let's go
lets go
we are going
we're going
we will be

[plek]
# squares, streets, quays, parks and fields: the word they end
*plein
*straat
*singel
*veld                          | 1 | | speelveld; slagveld; werkveld; gezichtsveld; voetbalveld; krachtveld; strijdveld; aandachtsveld
*park                          | 1 | | pretpark; vakantiepark
*laan
*kade
*weg                           | 1 | | onderweg; snelweg; uitweg; zijweg; omweg; tussenweg; alleweg
*gracht
*markt                         | 1 | | supermarkt; arbeidsmarkt; woningmarkt; aandelenmarkt; huizenmarkt
*dijk
*brug
*haven
*hof                            | 1 | | gerechtshof; kerkhof
square
street
# landmarks (with het/de/bij het before them where that is how they are written)
stadhuis
gemeentehuis
raadhuis
provinciehuis
het station
centraal station
cs
politiebureau
bureau
azc
tweede kamer
het torentje
binnenhof
malieveld
de dam
dam
museumplein
neude
vrijthof
erasmusbrug
coolsingel
hofplein
schouwburgplein
dam square
city hall
town hall

[online]
livestream*
live stream
stream
streamen
webinar
online
zoom
teams
youtube
twitch
discord
space                           # a Twitter space
podcast
via de link
live te volgen
live te zien
link in bio

[wedstrijd]
wedstrijd
thuiswedstrijd
uitwedstrijd
aftrap
kick off
kickoff
speelt tegen
spelen tegen
eredivisie
competitie
beker
concert
voorstelling
optreden
festival
kermis
bioscoop
match
game
fixture

[waarschuwing]
politie waarschuwt
de politie waarschuwt
politie roept op
roept op om niet
roept iedereen op om niet
waarschuwt voor
waarschuwen voor
politie is op de hoogte
politie houdt rekening
houdt rekening met
noodbevel
noodverordening
veiligheidsrisicogebied
volgens de politie
er circuleert
er circuleren
circuleert een oproep
circuleren oproepen
oproep circuleert
oproepen circuleren
gaat rond op
gaan rond op
is op de hoogte van
op de hoogte van oproepen
gaan oproepen rond
oproepen gaan rond
meldt de politie
aldus de politie
gemeente waarschuwt
burgemeester waarschuwt
na oproepen
na een oproep
police warn*
police are aware
police urge
according to police
a call is circulating
calls are circulating
